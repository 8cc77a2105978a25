"""Names searched without regard to case or accents, the same way on PostgreSQL and SQLite: a
model keeps, beside its name, the name's search key, computed here in Python when it is saved,
and a search compares keys with a plain LIKE (which a trigram index serves on PostgreSQL).

Keys rather than the database's own `unaccent()`: one rule for both databases (SQLite has
none), that an index can hold as it is (`unaccent` is not immutable), and that the tests check
once for both."""

import unicodedata

from django.db import models
from django.utils.translation import gettext_lazy as _

from .validators import search_text

# Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l"})


def search_key(text: str | None) -> str:
    """« Studio Lumière » → « studio lumiere », « ŒUVRE » → « oeuvre », « Ｆａｃｔｕｒｅ » →
    « facture »: lower case, compatibility forms folded, accents and ligatures gone, runs of
    white space one space."""
    folded = unicodedata.normalize("NFKD", search_text(text).casefold())
    bare = "".join(c for c in folded if not unicodedata.combining(c)).translate(_LIGATURES)
    return " ".join(bare.split())


class SearchableNameQuerySet(models.QuerySet):
    """`bulk_create` and `bulk_update` write the keys too (they call no `save()`); `update()`
    does not: rename through `save()`."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.search_name = search_key(obj.name)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if "name" in fields:
            for obj in objs:
                obj.search_name = search_key(obj.name)
            fields = [*fields, "search_name"]
        return super().bulk_update(objs, fields, *args, **kwargs)


class SearchableName(models.Model):
    """A model whose `name` is searched: `search_name` follows it at every save (an update of
    the name alone through `update_fields` writes the key too) and bulk write."""

    search_name = models.TextField(_("clé de recherche"), editable=False, default="")

    objects = SearchableNameQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.name)
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields:
            kwargs["update_fields"] = {*fields, "search_name"}
        super().save(*args, **kwargs)


def name_matches(query: str) -> models.Q:
    """The condition « its name contains what was typed », in keys. An empty query matches
    everything."""
    key = search_key(query)
    return models.Q(search_name__contains=key) if key else models.Q()
