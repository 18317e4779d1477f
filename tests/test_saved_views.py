"""Saved views: storing, listing, renaming and deleting (owner only), audited; and the same through
the dashboard's callbacks over HTTP, as staff, as another staff user, as a non-staff user and
signed out. Stored rows and audit entries are read back with raw SQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from data import saved_views as views
from data.users import create_user
from tests.web import callback_with_output, dash_callbacks, login, run_callback
from web.context import services_of


@pytest.fixture
def people(engine):
    """Three staff users: ann, bob and cy; {name: id}."""
    with engine.begin() as conn:
        return {
            n: create_user(conn, n, password="a long enough password", is_staff=True).id
            for n in ("ann", "bob", "cy")
        }


def rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def as_dict(detail) -> dict:
    """An audit entry's detail as raw SQL returns it: JSON text on SQLite, decoded on PostgreSQL."""
    return json.loads(detail) if isinstance(detail, str) else detail


def save(engine, owner_id: int, name: str, query: str = "?period=30d", shared: bool = False) -> int:
    with engine.begin() as conn:
        return views.save_view(conn, owner_id, name, query, shared, actor="t")


def test_saved_filters_are_stored_in_their_one_written_form_and_audited(engine, people):
    view_id = save(engine, people["ann"], "  Billing, unhappy  ", "rating=1-2&topic=billing&period=30d", True)
    assert rows(engine, "SELECT owner_id, name, query, shared FROM saved_views") == [
        (people["ann"], "Billing, unhappy", "?period=30d&topic=billing&rating=1-2", True)
    ]
    ((action, actor, detail),) = rows(engine, "SELECT action, actor, detail FROM audit_log")
    assert (action, actor) == ("view_save", "t")
    assert as_dict(detail) == {
        "view_id": view_id,
        "name": "Billing, unhappy",
        "query": "?period=30d&topic=billing&rating=1-2",
        "shared": True,
    }


def test_listing_shows_own_views_then_others_shared_never_others_private(engine, people):
    save(engine, people["ann"], "zeta mine")
    save(engine, people["ann"], "alpha mine, shared", shared=True)
    save(engine, people["bob"], "bob private")
    save(engine, people["bob"], "bob shared", shared=True)
    with engine.connect() as conn:
        for_ann = [(v.name, v.owner) for v in views.list_views(conn, people["ann"])]
        for_cy = [(v.name, v.owner) for v in views.list_views(conn, people["cy"])]
    assert for_ann == [("alpha mine, shared", "ann"), ("zeta mine", "ann"), ("bob shared", "bob")]
    assert for_cy == [("alpha mine, shared", "ann"), ("bob shared", "bob")]
    (private_id,) = rows(engine, "SELECT id FROM saved_views WHERE name = 'bob private'")[0]
    with engine.connect() as conn:
        assert views.visible_view(conn, private_id, people["ann"]) is None
        assert views.visible_view(conn, private_id, people["bob"]).name == "bob private"


def test_rename_and_delete_by_the_owner_are_audited(engine, people):
    view_id = save(engine, people["ann"], "old name")
    with engine.begin() as conn:
        views.rename_view(conn, view_id, people["ann"], "new name", actor="ann", ip="10.0.0.1")
    assert rows(engine, "SELECT name FROM saved_views WHERE id = :i", i=view_id) == [("new name",)]
    with engine.begin() as conn:
        views.delete_view(conn, view_id, people["ann"], actor="ann")
    assert rows(engine, "SELECT COUNT(*) FROM saved_views") == [(0,)]
    audited = rows(engine, "SELECT action, actor, ip FROM audit_log ORDER BY id")
    assert audited == [
        ("view_save", "t", None),
        ("view_rename", "ann", "10.0.0.1"),
        ("view_delete", "ann", None),
    ]
    (detail,) = rows(engine, "SELECT detail FROM audit_log WHERE action = 'view_rename'")[0]
    assert as_dict(detail) == {"view_id": view_id, "name": {"from": "old name", "to": "new name"}}


def test_only_the_owner_renames_or_deletes(engine, people):
    shared = save(engine, people["ann"], "shared one", shared=True)
    private = save(engine, people["ann"], "private one")
    with engine.begin() as conn:
        with pytest.raises(views.NotOwner) as refused:
            views.rename_view(conn, shared, people["bob"], "mine now", actor="bob")
        assert refused.value.field == "view"
        with pytest.raises(views.NotOwner):
            views.delete_view(conn, shared, people["bob"], actor="bob")
        with pytest.raises(views.ViewNotFound):
            views.delete_view(conn, private, people["bob"], actor="bob")
        with pytest.raises(views.ViewNotFound):
            views.rename_view(conn, 999_999, people["ann"], "x", actor="ann")
    assert rows(engine, "SELECT name FROM saved_views ORDER BY id") == [("shared one",), ("private one",)]
    assert rows(engine, "SELECT action FROM audit_log WHERE action <> 'view_save'") == []


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("", "?period=7d", "name"),
        ("   ", "?period=7d", "name"),
        ("x" * 101, "?period=7d", "name"),
        ("taken", "?period=7d", "name"),
        ("fine", "?period=1y", "filters"),
        ("fine", "?rating=9", "filters"),
        ("fine", "?start_date=2026-11-09&end_date=2026-11-01", "filters"),
        ("fine", "?" + "x" * 2001, "filters"),
    ],
)
def test_bad_names_and_filters_are_refused_naming_the_field(engine, people, name, query, field):
    save(engine, people["ann"], "taken")
    with engine.begin() as conn, pytest.raises(views.ViewError) as refused:
        views.save_view(conn, people["ann"], name, query, False, actor="ann")
    assert refused.value.field == field
    assert rows(engine, "SELECT COUNT(*) FROM saved_views") == [(1,)]


def test_names_are_unique_per_owner_only(engine, people):
    save(engine, people["ann"], "weekly")
    save(engine, people["bob"], "weekly")  # another owner: fine
    keep = save(engine, people["ann"], "daily")
    with engine.begin() as conn, pytest.raises(views.ViewError) as refused:
        views.rename_view(conn, keep, people["ann"], "weekly", actor="ann")
    assert refused.value.field == "name"
    assert rows(engine, "SELECT name FROM saved_views WHERE id = :i", i=keep) == [("daily",)]


def test_a_view_whose_filters_no_longer_read_opens_with_what_still_reads(engine, people):
    view_id = save(engine, people["ann"], "old", "?period=30d&user_type=client")
    with engine.begin() as conn:  # as if a later release had dropped a user type
        conn.execute(
            text("UPDATE saved_views SET query = '?period=30d&user_type=robot' WHERE id = :i"), {"i": view_id}
        )
        filters, problems = views.opened_filters(views.visible_view(conn, view_id, people["ann"]))
    assert (filters.preset, filters.user_type) == ("30d", None)
    assert [p.field for p in problems] == ["user_type"]


# --- over HTTP: the dashboard's callbacks, signed in as different people ---------------------------

OTHER_PASSWORD = "another staff password"


@pytest.fixture
def lead(app, staff_client):
    """The staff user `lead` (signed in), with the dashboard's callbacks at hand."""
    staff_client.callbacks = dash_callbacks(staff_client)
    return staff_client


def signed_in_as(app, username: str, staff: bool):
    engine = services_of(app.server).engine
    with engine.begin() as conn:
        create_user(conn, username, password=OTHER_PASSWORD, is_staff=staff)
    client = app.server.test_client()
    assert login(client, username, OTHER_PASSWORD).status_code == 302
    return client


def save_through_dialog(client, name: str, shared: bool, filters: dict | None):
    callback = callback_with_output(client.callbacks, "views-save-modal.is_open")
    values = {
        "views-save-submit.n_clicks": 1,
        "views-save-name.value": name,
        "views-save-shared.value": shared,
        "filters.data": filters,
    }
    return run_callback(client, callback, values, ["views-save-submit.n_clicks"])


def manage(client, callbacks, button: str, pick: str, new_name: str | None = None):
    callback = callback_with_output(callbacks, "views-manage-modal.is_open")
    values = {f"{button}.n_clicks": 1, "views-manage-pick.value": pick, "views-manage-name.value": new_name}
    return run_callback(client, callback, values, [f"{button}.n_clicks"])


def test_saving_through_the_dashboard_stores_the_filters_on_screen(app, lead):
    filters = {"preset": "30d", "user_type": "client", "rating": "1-2"}
    response = save_through_dialog(lead, "Unhappy clients", True, filters)
    assert response.status_code == 200, response.data
    assert rows(
        lead.engine,
        "SELECT u.username, v.name, v.query, v.shared FROM saved_views v JOIN users u ON u.id = v.owner_id",
    ) == [("lead", "Unhappy clients", "?period=30d&user_type=client&rating=1-2", True)]
    assert rows(lead.engine, "SELECT action, actor FROM audit_log WHERE action LIKE 'view_%'") == [
        ("view_save", "lead")
    ]
    again = save_through_dialog(lead, "Unhappy clients", False, filters).get_json()["response"]
    assert again["views-save-modal"]["is_open"] is True
    assert again["views-save-feedback"]["children"].startswith("Name: ")
    assert rows(lead.engine, "SELECT COUNT(*) FROM saved_views") == [(1,)]


def test_another_staff_user_cannot_rename_or_delete_a_view(app, lead):
    save_through_dialog(lead, "Mine", True, {"preset": "7d"})
    save_through_dialog(lead, "Mine, private", False, {"preset": "24h"})
    shared_id, private_id = (str(r[0]) for r in rows(lead.engine, "SELECT id FROM saved_views ORDER BY id"))
    bob = signed_in_as(app, "bob", staff=True)
    for view_id, said in ((shared_id, "only they can change it"), (private_id, "there is no view")):
        for button, name in (("views-rename", "Bob's now"), ("views-delete-confirm", None)):
            answer = manage(bob, lead.callbacks, button, view_id, name)
            assert answer.status_code == 200, answer.data
            feedback = answer.get_json()["response"]["views-manage-feedback"]
            assert said in feedback["children"] and feedback["color"] == "danger"
    assert rows(lead.engine, "SELECT name FROM saved_views ORDER BY id") == [("Mine",), ("Mine, private",)]
    # The owner can.
    assert manage(lead, lead.callbacks, "views-rename", shared_id, "Ours").status_code == 200
    assert manage(lead, lead.callbacks, "views-delete-confirm", private_id).status_code == 200
    assert rows(lead.engine, "SELECT name FROM saved_views ORDER BY id") == [("Ours",)]
    actions = rows(lead.engine, "SELECT action, actor FROM audit_log WHERE action LIKE 'view_%' ORDER BY id")
    assert actions[-2:] == [("view_rename", "lead"), ("view_delete", "lead")]


def test_the_menu_lists_own_and_shared_views_never_anothers_private_one(app, lead):
    save_through_dialog(lead, "Lead shared", True, {"preset": "7d"})
    save_through_dialog(lead, "Lead private", False, {"preset": "7d"})
    bob = signed_in_as(app, "bob", staff=True)
    callback = callback_with_output(lead.callbacks, "views-list.children")
    menu = run_callback(bob, callback, {"url.search": ""}, ["url.search"]).get_json()["response"]
    listed = str(menu["views-list"]["children"])
    assert "Lead shared" in listed and "Lead private" not in listed
    assert menu["views-manage-pick"]["options"] == []  # nothing of bob's own to rename


@pytest.mark.parametrize("who", ["anonymous", "non-staff"])
def test_views_callbacks_refuse_anyone_but_signed_in_staff(app, lead, who):
    client = app.server.test_client() if who == "anonymous" else signed_in_as(app, "customer", staff=False)
    client.callbacks = lead.callbacks
    response = save_through_dialog(client, "Sneaky", True, {"preset": "7d"})
    assert response.status_code == (401 if who == "anonymous" else 403)
    assert rows(lead.engine, "SELECT COUNT(*) FROM saved_views") == [(0,)]


def test_a_view_link_opens_its_filters_and_a_missing_one_says_so(app, lead):
    save_through_dialog(lead, "Clients 30d", False, {"preset": "30d", "user_type": "client"})
    ((view_id,),) = rows(lead.engine, "SELECT id FROM saved_views")
    sync = callback_with_output(lead.callbacks, "link-alert.is_open")
    opened = run_callback(lead, sync, {"url.search": f"?view={view_id}"}, ["url.search"]).get_json()[
        "response"
    ]
    assert opened["filters"]["data"]["preset"] == "30d" and opened["filters"]["data"]["user_type"] == "client"
    assert "url" not in opened  # the address stays the view's link
    bob = signed_in_as(app, "bob", staff=True)  # lead's view is private
    refused = run_callback(bob, sync, {"url.search": f"?view={view_id}"}, ["url.search"]).get_json()[
        "response"
    ]
    assert refused["link-alert"]["is_open"] is True
    assert f"there is no view {view_id}" in refused["link-alert"]["children"]
    assert refused["filters"]["data"]["user_type"] is None
