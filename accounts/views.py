import math

from axes.helpers import get_cool_off, get_failure_limit
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .forms import ApiTokenForm
from .models import ApiToken
from .throttle import allow_reset
from .tokens import api_token_create, api_token_revoke


@login_required
@never_cache
def api_tokens(request):
    """The user's API tokens; POST creates one and shows its key, this once (it is stored only hashed).
    Leaders and administrators only (User.can_use_api_tokens)."""
    if not request.user.can_use_api_tokens:
        raise PermissionDenied(_("API tokens are for leaders and administrators."))
    new_token = new_key = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_token, new_key = api_token_create(user=request.user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    tokens = request.user.api_tokens.select_related("revoked_by")
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "new_token": new_token, "new_key": new_key},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def api_token_revoke_view(request, pk):
    # Only one's own tokens here (another user's id: 404); administrators revoke any token in the admin.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, by=request.user)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer opens the API.") % {"name": token.name})
    return redirect("accounts:api_tokens")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login that is locked out (AXES_LOCKOUT_CALLABLE): says why and for how long."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "registration/locked_out.html", context, status=429)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, sending no mail beyond the limits of accounts.throttle: the form comes
    back with a message and status 429."""

    def form_valid(self, form):
        if not allow_reset(self.request, form.cleaned_data["email"]):
            form.add_error(None, _("Too many password reset requests. Try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)
