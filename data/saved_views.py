"""Saved views: a staff user's dashboard filters under a name, private or shared with all staff.

A view holds the dashboard's address query, read through the one filter parser when saved and
again when opened (a parameter that no longer reads is dropped with a notice, as for any link).
Only the owner renames or deletes a view; every change is audited. Knows nothing of the web.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from data import audit
from data.errors import FieldError
from data.schema import saved_views, users
from metrics.filters import Filters, parse_search

MAX_NAME_LENGTH = 100
MAX_QUERY_LENGTH = 2000


class ViewError(FieldError):
    """A view cannot be saved or changed as asked; `field` names what is wrong."""


class ViewNotFound(ViewError):
    """No view of that id is visible to the user (another's private view, or deleted): a 404."""


class NotOwner(ViewError):
    """The view is shared with the user but belongs to someone else: a 403."""


@dataclass(frozen=True)
class SavedView:
    """A stored view as a user sees it."""

    id: int
    owner_id: int
    owner: str
    name: str
    query: str
    shared: bool
    created_at: datetime
    updated_at: datetime

    @property
    def link(self) -> str:
        """The view's address relative to the dashboard: `?view=ID`."""
        return f"?view={self.id}"


def clean_name(name: object) -> str:
    """The name with surrounding spaces removed; ViewError("name") unless 1 to 100 characters."""
    text = name.strip() if isinstance(name, str) else ""
    if not text or len(text) > MAX_NAME_LENGTH:
        raise ViewError(f"name must be 1 to {MAX_NAME_LENGTH} characters", "name")
    return text


def clean_query(query: object) -> str:
    """The filters of a dashboard query in their one written form; ViewError("filters") naming
    the parameter that does not read."""
    if not isinstance(query, str) or len(query) > MAX_QUERY_LENGTH:
        raise ViewError(f"filters must be a query of at most {MAX_QUERY_LENGTH} characters", "filters")
    filters, problems = parse_search(query)
    if problems:
        raise ViewError(f"filters: {problems[0].field}: {problems[0]}", "filters")
    return filters.query()


def opened_filters(view: SavedView, today: date | None = None) -> tuple[Filters, list[FieldError]]:
    """The view's filters as the dashboard reads them now, and what of them no longer reads."""
    return parse_search(view.query, today)


def _select():
    v = saved_views.c
    return select(saved_views, users.c.username.label("owner")).join(users, users.c.id == v.owner_id)


def _view(row) -> SavedView:
    return SavedView(
        id=row.id,
        owner_id=row.owner_id,
        owner=row.owner,
        name=row.name,
        query=row.query,
        shared=bool(row.shared),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_views(conn: Connection, user_id: int) -> list[SavedView]:
    """The user's own views, then the views others share, each by name."""
    v = saved_views.c
    rows = conn.execute(
        _select()
        .where(or_(v.owner_id == user_id, v.shared.is_(True)))
        .order_by((v.owner_id != user_id), v.name, v.id)
    )
    return [_view(row) for row in rows]


def visible_view(conn: Connection, view_id: int, user_id: int) -> SavedView | None:
    """The view when the user owns it or it is shared; else None."""
    v = saved_views.c
    row = conn.execute(
        _select().where(v.id == view_id, or_(v.owner_id == user_id, v.shared.is_(True)))
    ).one_or_none()
    return _view(row) if row else None


def _owned(conn: Connection, view_id: int, user_id: int) -> SavedView:
    """The user's own view; ViewNotFound when they cannot see it, NotOwner when it is another's."""
    view = visible_view(conn, view_id, user_id)
    if view is None:
        raise ViewNotFound(f"there is no view {view_id}", "view")
    if view.owner_id != user_id:
        raise NotOwner(f"view “{view.name}” belongs to {view.owner}: only they can change it", "view")
    return view


def _name_free(conn: Connection, user_id: int, name: str, view_id: int | None) -> None:
    v = saved_views.c
    taken = conn.execute(
        select(v.id).where(v.owner_id == user_id, v.name == name, v.id != (view_id or 0))
    ).first()
    if taken:
        raise ViewError(f"name “{name}” is already one of your views", "name")


def save_view(
    conn: Connection,
    user_id: int,
    name: object,
    query: object,
    shared: bool,
    *,
    actor: str | None,
    ip: str | None = None,
) -> int:
    """Store the filters of `query` as the user's view `name`, audited; return its id."""
    name, query = clean_name(name), clean_query(query)
    _name_free(conn, user_id, name, None)
    now = datetime.now(UTC)
    try:
        view_id = conn.execute(
            insert(saved_views)
            .values(
                owner_id=user_id, name=name, query=query, shared=bool(shared), created_at=now, updated_at=now
            )
            .returning(saved_views.c.id)
        ).scalar_one()
    except IntegrityError:  # saved meanwhile by another request of the same user
        raise ViewError(f"name “{name}” is already one of your views", "name") from None
    detail = {"view_id": view_id, "name": name, "query": query, "shared": bool(shared)}
    audit.record(conn, "view_save", actor=actor, ip=ip, detail=detail)
    return view_id


def rename_view(
    conn: Connection, view_id: int, user_id: int, name: object, *, actor: str | None, ip: str | None = None
) -> SavedView:
    """Give the user's own view a new name, audited; return it as it was before."""
    view = _owned(conn, view_id, user_id)
    name = clean_name(name)
    _name_free(conn, user_id, name, view_id)
    conn.execute(
        update(saved_views).where(saved_views.c.id == view_id).values(name=name, updated_at=datetime.now(UTC))
    )
    detail = {"view_id": view_id, "name": {"from": view.name, "to": name}}
    audit.record(conn, "view_rename", actor=actor, ip=ip, detail=detail)
    return view


def delete_view(
    conn: Connection, view_id: int, user_id: int, *, actor: str | None, ip: str | None = None
) -> SavedView:
    """Delete the user's own view, audited; return what was deleted."""
    view = _owned(conn, view_id, user_id)
    conn.execute(delete(saved_views).where(saved_views.c.id == view_id))
    detail = {"view_id": view_id, "name": view.name, "query": view.query, "shared": view.shared}
    audit.record(conn, "view_delete", actor=actor, ip=ip, detail=detail)
    return view
