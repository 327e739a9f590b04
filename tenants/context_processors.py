from tenants.selectors import user_membership_list


def workspace(request):
    user = getattr(request, "user", None)
    membership = getattr(request, "membership", None)
    return {
        # Only a member sees which workspace they are in: the 404 drawn for a stranger (or for
        # an unknown URL, before membership is checked) shows no name or menu, the same page as
        # for a workspace that does not exist. Pages for visitors pass what they show themselves.
        "workspace": getattr(request, "tenant", None) if membership is not None else None,
        "membership": membership,
        # A lazy queryset: only pages that draw the workspace switcher run it.
        "switcher_memberships": user_membership_list(user=user)
        if user is not None and user.is_authenticated
        else (),
    }
