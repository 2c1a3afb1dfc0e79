"""What Nextcloud's apps do when a WebDAV write reaches a user's file, before it happens.

Nextcloud keeps several representations of a file in step, and the stand-in does too:
  - files_trashbin: a DELETE moves the file or folder into the user's trash bin (it leaves its
    folder and can be restored to where it was), instead of removing it;
  - files_versions: a PUT over an existing, non-empty file keeps the content it replaces as a
    version named by that content's modification time; a file deleted for good loses its versions;
  - files_reminders: a deleted file (into the trash or for good) loses its reminders
    (NodeDeletedListener).
Each part only acts while its app is enabled for the user. FilesService.handle calls
`before_write` once the write is known to be allowed (If-Match, locks and quota checked).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.standin.core import StandIn, User
    from tests.standin.files import FilesService


def enabled_app(standin: StandIn, user: User, app_id: str) -> Any | None:
    """The emulated app `app_id` when it is mounted and enabled for `user`, else None."""
    service = standin.services.get(app_id)
    return service if service is not None and standin.app_enabled(user, service) else None


def ids_under(fp: Path) -> set[int]:
    """The file ids of `fp` and of everything below it."""
    found = {fp.stat().st_ino}
    if fp.is_dir():
        for dirpath, dirs, files in os.walk(fp):
            for name in (*dirs, *files):
                try:
                    found.add(os.lstat(os.path.join(dirpath, name)).st_ino)
                except OSError:
                    continue
    return found


def forget(standin: StandIn, user: User, file_ids: set[int], *, versions: bool) -> None:
    """Drop what the apps keep about files that are gone: reminders, and (for good) versions."""
    reminders = standin.services.get("files_reminders")
    if reminders is not None:
        reminders.forget(user, file_ids)
    history = standin.services.get("files_versions")
    if versions and history is not None:
        history.forget(user, file_ids)


def before_write(files: FilesService, method: str, user: User, fp: Path) -> bool:
    """Run the apps' part of a DELETE or PUT on an existing `fp`; True when the trash bin took a
    DELETE (the file is gone from its folder and nothing is left for WsgiDAV to do)."""
    standin = files.standin
    if not fp.is_relative_to(files.root_of(user)):  # in a share mounted from another user's tree
        return False
    if method == "PUT":
        versions = enabled_app(standin, user, "files_versions")
        if versions is not None and fp.is_file():
            versions.keep(user, fp)
        return False
    if method != "DELETE":
        return False
    ids = ids_under(fp)
    trash = enabled_app(standin, user, "files_trashbin")
    forget(standin, user, ids, versions=trash is None)
    if trash is None:
        return False
    trash.take(user, fp)
    return True
