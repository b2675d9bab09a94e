from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from caravana.accounts import services
from caravana.accounts.forms import SignUpForm
from caravana.accounts.limits import rate_limited
from caravana.accounts.models import Role


@rate_limited("signup", methods=("POST",))
def signup(request: HttpRequest) -> HttpResponse:
    """Buyers sign themselves up; merchant staff, hub staff and operators are invited."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.sign_up(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("storefront:home")
    return render(
        request, "accounts/signup.html", {"form": form}, status=422 if form.errors else 200
    )


#: Where each staff role's work is: they land there after logging in, never on the storefront's
#: country picker (which is for buyers).
STAFF_HOME = {
    Role.MERCHANT: "console:dashboard",
    Role.HUB: "fulfillment:receive",
    Role.PLANNER: "planning:flights",
    Role.OPERATOR: "operations:review",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to where its work is (LOGIN_REDIRECT_URL): operators with access to the
    back office to /admin/, other operators to /operations/; buyers to the storefront."""
    user = request.user
    if user.is_superuser or (user.role == Role.OPERATOR and user.is_staff):
        return redirect("admin:index")
    target = STAFF_HOME.get(user.role)
    return redirect(target) if target else redirect("storefront:home")
