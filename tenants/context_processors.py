from tenants.selectors import user_membership_list


def workspace(request):
    user = getattr(request, "user", None)
    return {
        "workspace": getattr(request, "tenant", None),
        "membership": getattr(request, "membership", None),
        # A lazy queryset: only pages that draw the workspace switcher run it.
        "switcher_memberships": user_membership_list(user=user)
        if user is not None and user.is_authenticated
        else (),
    }
