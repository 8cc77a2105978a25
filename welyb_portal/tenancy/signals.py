"""What the tenancy core announces, for the apps built on it to react (it imports none of them).

`company_created` is sent inside the transaction that creates the company, with `company` and
`by`: a receiver that fails rolls the creation back, so a company never exists half-set-up.

`password_changed` is sent by `User.save()` once an existing account's new password (or its
removal) is saved, with `user`, whatever set it: the reset link, the Django admin's password
form, `manage.py changepassword`, a service. Django has no such signal; a rehash of the same
password at login is not a change and sends nothing.
"""

from django.dispatch import Signal

company_created = Signal()
password_changed = Signal()
