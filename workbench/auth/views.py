"""Login, logout, and the admin pages for staff users and API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user, login_required, login_user, logout_user

from workbench.auth import services
from workbench.auth.access import role_required, start_session
from workbench.auth.forms import (
    ConfirmForm,
    EditStaffUserForm,
    LoginForm,
    NewApiTokenForm,
    NewStaffUserForm,
)
from workbench.auth.models import Role
from workbench.db import get_session
from workbench.errors import WorkbenchError
from workbench.extensions import post_limit_from_setting
from workbench.web import safe_next

blueprint = Blueprint("auth", __name__, template_folder="templates")


@blueprint.get("/")
@login_required
def home():
    return redirect(url_for("feedback.inbox"))


@blueprint.route("/login", methods=["GET", "POST"])
@post_limit_from_setting("LOGIN_RATE_LIMIT")
def login():
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = services.authenticate(session, form.email.data, form.password.data)
        session.commit()  # the failed-login count as much as a successful login
        if user is not None:
            start_session()
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("feedback.inbox"))
        flash(
            "Wrong e-mail or password. After many wrong attempts an account waits "
            f"{services.LOCKOUT.seconds // 60} minutes.",
            "error",
        )
    return render_template("auth/login.html", form=form)


@blueprint.post("/logout")
@login_required
def logout():
    # Ends the account's sessions everywhere: a copied cookie must not outlive the logout.
    session = get_session()
    services.end_sessions(current_user)
    session.add(current_user)
    session.commit()
    logout_user()
    flask_session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@blueprint.get("/admin/users")
@role_required(Role.ADMIN)
def users():
    staff = services.list_staff_users(get_session())
    return render_template("auth/users.html", users=staff, form=NewStaffUserForm())


@blueprint.post("/admin/users")
@role_required(Role.ADMIN)
def create_user():
    form = NewStaffUserForm()
    session = get_session()
    if form.validate_on_submit():
        try:
            user = services.create_staff_user(
                session, form.email.data, form.role.data, form.password.data, form.name.data or ""
            )
        except WorkbenchError as error:
            session.rollback()
            flash(error.message, "error")
        else:
            session.commit()
            flash(f"Created {user.email} ({user.role.value}).", "success")
            return redirect(url_for("auth.users"))
    users = services.list_staff_users(session)
    return render_template("auth/users.html", users=users, form=form), 422


@blueprint.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int):
    session = get_session()
    user = services.get_staff_user(session, user_id)
    form = EditStaffUserForm(obj=user)
    if form.validate_on_submit():
        try:
            services.update_staff_user(
                session,
                user,
                name=form.name.data or "",
                role=form.role.data,
                is_active=form.is_active.data,
                new_password=form.new_password.data or None,
                acting_user_id=current_user.id,
            )
        except WorkbenchError as error:
            session.rollback()
            flash(error.message, "error")
        else:
            session.commit()
            flash(f"Saved {user.email}.", "success")
            return redirect(url_for("auth.users"))
    return render_template(
        "auth/edit_user.html", user=user, form=form, end_sessions_form=ConfirmForm()
    )


@blueprint.post("/admin/users/<int:user_id>/end-sessions")
@role_required(Role.ADMIN)
def end_user_sessions(user_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        session = get_session()
        user = services.get_staff_user(session, user_id)
        services.end_sessions(user)
        session.add(user)
        session.commit()
        flash(f"Logged {user.email} out everywhere.", "success")
    return redirect(url_for("auth.edit_user", user_id=user_id))


@blueprint.get("/admin/tokens")
@role_required(Role.ADMIN)
def tokens():
    return render_template(
        "auth/tokens.html",
        tokens=services.list_api_tokens(get_session()),
        form=NewApiTokenForm(),
        revoke_form=ConfirmForm(),
        new_token=None,
    )


@blueprint.post("/admin/tokens")
@role_required(Role.ADMIN)
def create_token():
    form = NewApiTokenForm()
    session = get_session()
    new_token = None
    if form.validate_on_submit():
        try:
            _token, new_token = services.create_api_token(
                session, form.name.data, current_user.id, scopes=form.scopes.data.split(",")
            )
        except WorkbenchError as error:
            session.rollback()
            flash(error.message, "error")
        else:
            session.commit()
            flash("Token created. Copy it now: it is shown only once.", "success")
    return render_template(
        "auth/tokens.html",
        tokens=services.list_api_tokens(session),
        form=NewApiTokenForm(formdata=None),
        revoke_form=ConfirmForm(),
        new_token=new_token,
    )


@blueprint.post("/admin/tokens/<int:token_id>/revoke")
@role_required(Role.ADMIN)
def revoke_token(token_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        session = get_session()
        token = services.revoke_api_token(session, token_id)
        session.commit()
        flash(f"Revoked token {token.name}.", "success")
    return redirect(url_for("auth.tokens"))
