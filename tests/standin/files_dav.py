"""WsgiDAV resources that carry Nextcloud's file properties (FilesPlugin.php, TagsPlugin.php).

Used by PROPFIND (through WsgiDAV) and by SEARCH/REPORT (files_search.py) alike, so the
same file shows the same fileid, etag and favorite state everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wsgidav.dav_error import HTTP_FORBIDDEN, DAVError
from wsgidav.fs_dav_provider import FileResource, FilesystemProvider, FolderResource
from wsgidav.wsgidav_app import WsgiDAVApp

from tests.standin.files import FAVORITE, NC, OC, file_etag, http_date, mime_type, next_mtime_ns, oc_id, tree_size

if TYPE_CHECKING:
    from tests.standin.core import User
    from tests.standin.files import FilesService

NC_PROPS = [
    f"{{{OC}}}fileid",
    f"{{{OC}}}id",
    f"{{{OC}}}permissions",
    f"{{{OC}}}size",
    f"{{{NC}}}has-preview",
    FAVORITE,
    f"{{{OC}}}owner-id",
    f"{{{OC}}}owner-display-name",
]
REMINDER_DUE_DATE = f"{{{NC}}}reminder-due-date"
"""Answered only when asked for (apps/files_reminders/lib/Dav/PropFindPlugin.php)."""


def prop_text(service: FilesService, user: User, fp: Path, name: str) -> str | None:
    """The text of one property of a file or folder, as Nextcloud answers it (None: not available)."""
    st = fp.stat()
    is_dir = fp.is_dir()
    if name == "{DAV:}getetag":
        return f'"{file_etag(fp)}"'
    if name == "{DAV:}displayname":
        return fp.name if fp != service.root_of(user) else user.id
    if name == "{DAV:}getlastmodified":
        return http_date(st.st_mtime)
    if name == "{DAV:}getcontenttype":
        return "httpd/unix-directory" if is_dir else mime_type(fp)
    if name == "{DAV:}getcontentlength":
        return None if is_dir else str(st.st_size)
    if name == f"{{{OC}}}fileid":
        return str(st.st_ino)
    if name == f"{{{OC}}}id":
        return oc_id(st.st_ino)
    if name == f"{{{OC}}}permissions":
        return "RGDNVCK" if is_dir else "RGDNVW"
    if name == f"{{{OC}}}size":
        return str(tree_size(fp))
    if name == f"{{{NC}}}has-preview":
        from tests.standin.apps.preview import has_preview

        return "true" if has_preview(fp) else "false"
    if name == REMINDER_DUE_DATE:  # files_reminders' PropFindPlugin, there only for users with the app
        from tests.standin.file_events import enabled_app

        reminders = enabled_app(service.standin, user, "files_reminders")
        return reminders.due_date(user, fp) if reminders is not None else None
    if name == FAVORITE:
        return "1" if st.st_ino in service.favorites(user.id) else "0"
    if name == f"{{{OC}}}owner-id":
        return user.id
    if name == f"{{{OC}}}owner-display-name":
        return user.display_name
    return None


class _NcProps:
    """Mixin: Nextcloud's live properties on a WsgiDAV filesystem resource."""

    _file_path: str
    provider: NcProvider

    def get_property_names(self, *, is_allprop: bool) -> list[str]:
        names: list[str] = super().get_property_names(is_allprop=is_allprop)  # type: ignore[misc]
        return [*names, *[n for n in NC_PROPS if n not in names]]

    def get_property_value(self, name: str) -> Any:
        if name in NC_PROPS or name in ("{DAV:}getetag", REMINDER_DUE_DATE):
            value = prop_text(self.provider.service, self.provider.user, Path(self._file_path), name)
            if value is not None:
                return value
        return super().get_property_value(name)  # type: ignore[misc]

    def set_property_value(self, name: str, value: Any, *, dry_run: bool = False) -> Any:
        if name == FAVORITE:
            text = "" if value is None else (value.text or "").strip()
            if not dry_run:
                on = text in ("1", "true")
                self.provider.service.set_favorite(self.provider.user.id, os.stat(self._file_path).st_ino, on)
            return None
        if name in NC_PROPS:
            raise DAVError(HTTP_FORBIDDEN)
        return super().set_property_value(name, value, dry_run=dry_run)  # type: ignore[misc]


class NcFile(_NcProps, FileResource):
    def get_etag(self) -> str:
        return file_etag(Path(self._file_path))

    def get_content_type(self) -> str:
        return mime_type(Path(self._file_path))

    def end_write(self, *, with_errors: bool) -> None:
        super().end_write(with_errors=with_errors)
        if not with_errors:
            st = os.stat(self._file_path)
            os.utime(self._file_path, ns=(st.st_atime_ns, next_mtime_ns()))


class NcFolder(_NcProps, FolderResource):
    def get_etag(self) -> str:
        return file_etag(Path(self._file_path))

    def support_etag(self) -> bool:
        return True

    def get_used_bytes(self) -> None:
        return None

    def get_available_bytes(self) -> None:
        return None

    def get_member_names(self) -> list[str]:
        names: list[str] = super().get_member_names()
        if self.path.strip("/") == "":  # the root also shows what other apps mount there (accepted shares)
            names += [name for name in self.provider.service.mounted(self.provider.user.id) if name not in names]
        return names


class NcProvider(FilesystemProvider):
    """One user's tree, with Nextcloud's resources."""

    def __init__(self, root: str, service: FilesService, user: User) -> None:
        super().__init__(root, fs_opts={"follow_symlinks": False})
        self.service = service
        self.user = user

    def _loc_to_file_path(self, path: str, environ: dict[str, Any] | None = None) -> str:
        """The file behind a path, in the user's tree or in an item mounted at its root (FilesService.mounts)."""
        names = [name for name in path.strip("/").split("/") if name]
        mount = self.service.mounted(self.user.id).get(names[0]) if names else None
        if mount is None:
            return str(super()._loc_to_file_path(path, environ))
        if any(name in (".", "..") for name in names):
            raise DAVError(HTTP_FORBIDDEN)
        return str(mount[0].joinpath(*names[1:]))

    def get_resource_inst(self, path: str, environ: dict[str, Any]) -> Any:
        fp = self._loc_to_file_path(path, environ)
        if not os.path.exists(fp) or os.path.islink(fp):
            return None
        if os.path.isdir(fp):
            return NcFolder(path, environ, fp)
        return NcFile(path, environ, fp)


class NcDavApp(WsgiDAVApp):
    """WsgiDAV mounted below Nextcloud's prefix: a MOVE/COPY Destination carries the prefix too."""

    def resolve_provider(self, path: str) -> Any:
        if self.mount_path and path.startswith(self.mount_path + "/"):
            path = path[len(self.mount_path) :]
        return super().resolve_provider(path)
