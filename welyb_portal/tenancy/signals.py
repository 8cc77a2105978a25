"""What the tenancy core announces, for the apps built on it to react (it imports none of them).

`company_created` is sent inside the transaction that creates the company, with `company` and
`by`: a receiver that fails rolls the creation back, so a company never exists half-set-up.
"""

from django.dispatch import Signal

company_created = Signal()
