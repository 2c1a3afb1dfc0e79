"""File versions (files_versions), as Nextcloud 31 serves them over WebDAV at /remote.php/dav/versions/.

nextcloud/documentation developer_manual/client_apis/WebDAV/versions.rst, and the server's
apps/files_versions (Storage.php, Listener/FileEventsListener.php, Sabre/*):

- every PUT over an existing file through WebDAV keeps the content it replaces as a version named
  by that content's modification time in seconds (tests/standin/file_events.py); an empty file
  leaves no version (Storage::store: "no use making versions for empty files");
- `PROPFIND .../versions/<user>/versions/<fileid>` lists the file's versions, the current one
  first (its name is the file's mtime): d:getlastmodified, d:getcontentlength, d:getcontenttype,
  d:getetag (the version's name), nc:version-label, nc:version-author, nc:has-preview; a version
  named like the current content's mtime is hidden behind it (two writes in one second: Nextcloud
  then updates the current version's entry instead of adding one);
- `GET` of a version answers its content;
- `MOVE` of a version to `.../versions/<user>/restore/<anything>` restores it (201): the current
  content is kept as a version first, the version's content becomes the file's (same file id)
  with the version's mtime, and the version leaves the list (it is the current one now);
- a folder, a file outside the user's tree or an unknown id is 404, as is an unknown version;
  another user's versions are 403, an unknown user's 404;
- a file deleted for good loses its versions; one in the trash bin keeps them (its id is kept);
- capabilities: `files.versioning`, `files.version_labeling`, `files.version_deletion`
  (FilesVersionsCapabilities). Labels (PROPPATCH nc:version-label) and deleting a version are
  not emulated: no tool uses them.

Contract: the DAV API has no OpenAPI description (nextcloud-31/files_versions.openapi.json covers
only the app's preview route and capabilities); the routes name SOURCES.md.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

from tests.standin.apps._dav import D, Sabre, file_by_id, multistatus, requested, response, sabre, xml_reply
from tests.standin.core import User
from tests.standin.files import NC, http_date, mime_type, next_mtime_ns
from tests.standin.kit import EmulatedApp, Reply, Request, Sample, route

CONTRACT = "SOURCES.md"
VERSIONS = "/remote.php/dav/versions"
NC_ = f"{{{NC}}}"


@dataclass(frozen=True)
class Version:
    name: int
    """The version's timestamp (its content's mtime in seconds): its id."""
    size: int
    current: bool


class VersionsApp(EmulatedApp):
    app_id = "files_versions"
    prefixes = (VERSIONS + "/",)
    dav = True
    FILES_FLAGS: ClassVar[dict[str, bool]] = {"versioning": True, "version_labeling": True, "version_deletion": True}

    def __init__(self, standin: Any) -> None:
        super().__init__(standin)
        self._lock = threading.RLock()

    def capabilities(self, user: User | None) -> dict[str, Any]:
        return {"files": dict(self.FILES_FLAGS)}

    # -- state -----------------------------------------------------------------------
    def folder(self, user_id: str, file_id: int) -> Path:
        """Where a file's earlier contents are kept, one file per version named by its timestamp."""
        return self.standin.data_dir / "versions" / user_id / str(file_id)

    def keep(self, user: User, fp: Path) -> None:
        """Keep the current content of `fp` as a version (Storage::store), unless it is empty."""
        st = fp.stat()
        if st.st_size == 0:
            return
        with self._lock:
            folder = self.folder(user.id, st.st_ino)
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fp, folder / str(int(st.st_mtime)))

    def forget(self, user: User, file_ids: set[int]) -> None:
        """Drop the versions of files deleted for good."""
        with self._lock:
            for file_id in file_ids:
                shutil.rmtree(self.folder(user.id, file_id), ignore_errors=True)

    def versions(self, user: User, fp: Path) -> list[Version]:
        """The current version, then the kept ones, newest first."""
        st = fp.stat()
        current = int(st.st_mtime)
        folder = self.folder(user.id, st.st_ino)
        kept = [int(p.name) for p in folder.iterdir() if p.name.isdigit()] if folder.is_dir() else []
        older = [Version(stamp, (folder / str(stamp)).stat().st_size, False) for stamp in kept if stamp != current]
        return [Version(current, st.st_size, True), *sorted(older, key=lambda v: -v.name)]

    def content(self, user: User, fp: Path, version: Version) -> bytes:
        if version.current:
            return fp.read_bytes()
        return (self.folder(user.id, fp.stat().st_ino) / str(version.name)).read_bytes()

    def restore(self, user: User, fp: Path, version: Version) -> None:
        """Make `version` the file's content (Storage::rollback); the current content is kept first."""
        if version.current:
            return
        with self._lock:
            stored = self.folder(user.id, fp.stat().st_ino) / str(version.name)
            data = stored.read_bytes()
            self.keep(user, fp)
            with open(fp, "wb") as out:  # in place: the file keeps its id
                out.write(data)
            os.utime(fp, ns=(fp.stat().st_atime_ns, version.name * 1_000_000_000))
            stored.unlink()

    # -- routes ------------------------------------------------------------------------
    def _file(self, request: Request) -> tuple[User, Path]:
        """The caller and the file whose versions the path names (Sabre/VersionRoot::getChild)."""
        name = request.params["user"]
        if name != request.user.id:
            if name in self.standin.users:
                raise Sabre(403, "")
            raise Sabre(404, f"Principal with name {name} not found")
        fp = file_by_id(self.standin.files_root(request.user), request.params["fileid"])
        if fp is None or not fp.is_file():
            raise Sabre(404, "")
        return request.user, fp

    def _version(self, request: Request) -> tuple[User, Path, Version]:
        user, fp = self._file(request)
        name = request.params["version"]
        found = next((v for v in self.versions(user, fp) if str(v.name) == name), None)
        if found is None:
            raise Sabre(404, "")
        return user, fp, found

    def _response(self, user: User, fp: Path, version: Version, wanted: list[str] | None) -> str:
        from tests.standin.apps.preview import has_preview

        found = {
            f"{D}resourcetype": "",
            f"{D}getcontentlength": str(version.size),
            f"{D}getcontenttype": escape(mime_type(fp)),
            f"{D}getlastmodified": http_date(version.name),
            f"{D}getetag": f'"{version.name}"',
            f"{NC_}version-label": "",
            f"{NC_}version-author": escape(user.id),
            f"{NC_}has-preview": "true" if has_preview(fp) else "false",
        }
        href = f"{VERSIONS}/{quote(user.id)}/versions/{fp.stat().st_ino}/{version.name}"
        return response(href, found, wanted)

    @route("PROPFIND", VERSIONS + "/{user}/versions/{fileid}", contract=CONTRACT)
    @sabre
    async def list_versions(self, request: Request) -> Reply:
        user, fp = self._file(request)
        wanted = requested(request.body)
        folder = {f"{D}resourcetype": "<d:collection/>"}
        answers = [response(f"{VERSIONS}/{quote(user.id)}/versions/{fp.stat().st_ino}/", folder, wanted)]
        if (request.header("depth") or "1").strip() != "0":
            answers += [self._response(user, fp, version, wanted) for version in self.versions(user, fp)]
        return multistatus(answers)

    @route("PROPFIND", VERSIONS + "/{user}/versions/{fileid}/{version}", contract=CONTRACT)
    @sabre
    async def get_version(self, request: Request) -> Reply:
        user, fp, version = self._version(request)
        return multistatus([self._response(user, fp, version, requested(request.body))])

    @route("GET", VERSIONS + "/{user}/versions/{fileid}/{version}", contract=CONTRACT)
    @sabre
    async def download_version(self, request: Request) -> Reply:
        user, fp, version = self._version(request)
        return Reply(200, raw=self.content(user, fp, version), headers=[("Content-Type", mime_type(fp))])

    @route("MOVE", VERSIONS + "/{user}/versions/{fileid}/{version}", contract=CONTRACT)
    @sabre
    async def restore_version(self, request: Request) -> Reply:
        destination = request.header("destination")
        if not destination:
            raise Sabre(400, "The destination header was not found")
        user, fp, version = self._version(request)
        target = unquote(urlsplit(destination).path)
        if not target.startswith(f"{VERSIONS}/{user.id}/restore/") or target.rstrip("/").endswith("/restore"):
            raise Sabre(403, "Restoring is a move into the restore folder of your own versions")
        self.restore(user, fp, version)
        return xml_reply(201)


# -- contract samples -------------------------------------------------------------------------


def _versioned(context: Any) -> dict[str, str]:
    """A file of alice's with one earlier version (written an hour before the current content)."""
    user = context.users["alice"]
    fp = context.standin.files_root(user) / f"versioned-{next_mtime_ns()}.txt"
    fp.write_bytes(b"first")
    stamp = int(fp.stat().st_mtime) - 3600
    os.utime(fp, (stamp, stamp))
    context.app.keep(user, fp)
    fp.write_bytes(b"second")
    return {"fileid": str(fp.stat().st_ino), "version": str(stamp)}


def _folder(context: Any) -> dict[str, str]:
    return {"fileid": str(context.standin.files_root(context.users["alice"]).stat().st_ino)}


RESTORE = {"Destination": VERSIONS + "/{alice}/restore/target"}

SAMPLES: list[Sample] = [
    Sample("PROPFIND", VERSIONS + "/{alice}/versions/{fileid}", 207, setup=_versioned),
    Sample("PROPFIND", VERSIONS + "/{alice}/versions/{fileid}", 404, setup=_folder, note="a folder has no versions"),
    Sample("PROPFIND", VERSIONS + "/{alice}/versions/999999999", 404, note="no such file"),
    Sample("PROPFIND", VERSIONS + "/{bob}/versions/{fileid}", 404, user="bob", setup=_versioned, note="alice's file"),
    Sample("PROPFIND", VERSIONS + "/{alice}/versions/{fileid}", 403, user="bob", setup=_versioned),
    Sample("PROPFIND", VERSIONS + "/{alice}/versions/{fileid}/{version}", 207, setup=_versioned),
    Sample("PROPFIND", VERSIONS + "/{alice}/versions/{fileid}/1", 404, setup=_versioned, note="no such version"),
    Sample("GET", VERSIONS + "/{alice}/versions/{fileid}/{version}", 200, setup=_versioned),
    Sample("GET", VERSIONS + "/{alice}/versions/{fileid}/1", 404, setup=_versioned),
    Sample("MOVE", VERSIONS + "/{alice}/versions/{fileid}/{version}", 201, setup=_versioned, headers=RESTORE),
    Sample("MOVE", VERSIONS + "/{alice}/versions/{fileid}/1", 404, setup=_versioned, headers=RESTORE),
    Sample("MOVE", VERSIONS + "/{alice}/versions/{fileid}/{version}", 400, setup=_versioned, note="no Destination"),
]
