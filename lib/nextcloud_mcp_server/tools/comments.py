"""MCP tools for comments on files and folders (the comments app, over WebDAV).

Names and arguments follow the PyPI `nextcloud-mcp-server` where it has the tool
(`nc_webdav_list_comments`, `nc_webdav_create_comment`, with `path` and `message`); editing and
deleting are `nc_comments_*`. A file is a path: its id, which the DAV API wants, is looked up
here. Only a comment's author may edit or delete it; Nextcloud's refusal comes back in its words.

Gating: the comments app announces itself as a flag in the files app's capabilities
(`files.comments`, apps/comments/lib/Capabilities.php), not as a `comments` entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, Field

from nextcloud_mcp_server.nextcloud.paths import normalize
from nextcloud_mcp_server.registry import Requirement, Toolset
from nextcloud_mcp_server.tools._base import CREATE, DELETE, READ, UPDATE, Limit, Offset, Paged, invalid
from nextcloud_mcp_server.tools.declare import Nextcloud, tool

if TYPE_CHECKING:
    from nextcloud_mcp_server.nextcloud.comments import FileComment


TOOLSET = Toolset(
    "comments",
    "Comments",
    "Comments on files and folders: read, add, edit and delete.",
    default=False,
    requires=Requirement("comments", "Comments", capability="files.comments"),
)

FilePath = Annotated[str, Field(description="Under the files root, e.g. 'Documents/a.md'.")]
Message = Annotated[str, Field(description="Up to 1000 characters; @user mentions notify that user.")]
CommentId = Annotated[int, Field(ge=1, description="From nc_webdav_list_comments.")]


class CommentItem(BaseModel):
    """A comment on a file."""

    id: int = Field(description="The comment's id (comment_id of the other tools).")
    author: str = Field(description="The author's user id.")
    author_name: str | None = Field(description="The author's display name.")
    message: str = Field(description="The text.")
    created: str | None = Field(description="When it was written, ISO 8601.")
    unread: bool = Field(description="Whether you have not seen it yet.")

    @classmethod
    def of(cls, comment: FileComment) -> Self:
        created = comment.created.isoformat() if comment.created else None
        return cls(**comment.model_dump(exclude={"created"}), created=created)


class CommentResult(BaseModel):
    path: str = Field(description="The file or folder commented on.")
    file_id: int = Field(description="Nextcloud's file id.")
    comment_id: int = Field(description="The comment's id.")
    message: str = Field(description="The text as saved (trimmed).")


class DeletedComment(BaseModel):
    path: str = Field(description="The file or folder.")
    comment_id: int = Field(description="The comment deleted.")


def _path(value: str) -> str:
    return normalize(value, allow_root=False, argument="path")


def _message(value: str) -> str:
    from nextcloud_mcp_server.nextcloud.comments import MAX_MESSAGE_LENGTH

    message = value.strip()
    if not message:
        raise invalid("message", "is empty; write the comment's text")
    if len(message) > MAX_MESSAGE_LENGTH:
        raise invalid("message", f"is {len(message)} characters; Nextcloud allows {MAX_MESSAGE_LENGTH}: shorten it")
    return message


@tool(TOOLSET, READ, title="List comments")
async def nc_webdav_list_comments(
    nc: Nextcloud, path: FilePath, limit: Limit = 50, offset: Offset = 0
) -> Paged[CommentItem]:
    """List the comments on a file or folder, newest first."""
    from nextcloud_mcp_server.nextcloud.comments import CommentsAPI

    target = _path(path)
    comments = await nc.api(CommentsAPI).list(await nc.webdav.file_id(target))  # all: the page needs the total
    return Paged[CommentItem].of([CommentItem.of(c) for c in comments], offset, limit)


@tool(TOOLSET, CREATE, title="Comment on file")
async def nc_webdav_create_comment(nc: Nextcloud, path: FilePath, message: Message) -> CommentResult:
    """Add a comment to a file or folder."""
    from nextcloud_mcp_server.nextcloud.comments import CommentsAPI

    target, text = _path(path), _message(message)
    file_id = await nc.webdav.file_id(target)
    comment_id = await nc.api(CommentsAPI).add(file_id, text)
    return CommentResult(path=target, file_id=file_id, comment_id=comment_id, message=text)


@tool(TOOLSET, UPDATE, title="Edit comment")
async def nc_comments_edit(nc: Nextcloud, path: FilePath, comment_id: CommentId, message: Message) -> CommentResult:
    """Replace the text of a comment you wrote."""
    from nextcloud_mcp_server.nextcloud.comments import CommentsAPI

    target, text = _path(path), _message(message)
    file_id = await nc.webdav.file_id(target)
    await nc.api(CommentsAPI).edit(file_id, comment_id, text)
    return CommentResult(path=target, file_id=file_id, comment_id=comment_id, message=text)


@tool(TOOLSET, DELETE, title="Delete comment")
async def nc_comments_delete(nc: Nextcloud, path: FilePath, comment_id: CommentId) -> DeletedComment:
    """Delete a comment you wrote."""
    from nextcloud_mcp_server.nextcloud.comments import CommentsAPI

    target = _path(path)
    await nc.api(CommentsAPI).delete(await nc.webdav.file_id(target), comment_id)
    return DeletedComment(path=target, comment_id=comment_id)
