"""Signing in by username whatever its case: usernames are stored in lower case
(`accounts.services`), and people type "Budi" as readily as "budi"."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from entas.accounts.models import User


class UsernameAnyCaseBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username:
            names = list(
                User.objects.filter(username__iexact=username).values_list("username", flat=True)
            )
            # An exact spelling wins when two accounts differ only by case.
            if username not in names and len(names) == 1:
                username = names[0]
        return super().authenticate(request, username=username, password=password, **kwargs)
