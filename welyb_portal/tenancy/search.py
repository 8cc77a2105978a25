"""Names searched without regard to case or accents, the same way on PostgreSQL and SQLite: a
model keeps, beside its name, the name's search key, computed here in Python when it is saved,
and a search compares keys with a plain LIKE (which a trigram index serves on PostgreSQL).

Keys rather than the database's own `unaccent()`: one rule for both databases (SQLite has
none), that an index can hold as it is (`unaccent` is not immutable), and that the tests check
once for both."""

import json
import re
import unicodedata

from django.db import connections, models
from django.db.models.functions import Concat
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
    # Each concrete model's own field.
    name: str

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


# What pg_trgm takes for a word: letters and digits; its index knows only words of 3 or more.
_WORD = re.compile(r"[^\W_]+")
_INDEXED_WORD_LENGTH = 3


def name_search(queryset: models.QuerySet, query: str) -> models.QuerySet:
    """`queryset` narrowed to the names that contain what was typed (`name_matches`). On
    PostgreSQL, for a query of several words, the trigram index is asked for the rarest word
    only, as the planner estimates it, and the whole key is checked on the rows it gives: the
    index's cost is that of its commonest trigrams, and a word found in every name
    (« fournisseur » of « fournisseur-0042 ») made a rare search read a million entries
    (48 ms, against 1.5 ms for « 0042 » alone: docs/benchmarks.md, « Search »)."""
    key = search_key(query)
    words = [w for w in _WORD.findall(key) if len(w) >= _INDEXED_WORD_LENGTH]
    if connections[queryset.db].vendor != "postgresql" or len(words) < 2:
        return queryset.filter(name_matches(query))
    estimates = _estimated_matches(queryset, words)
    rarest = min(words, key=lambda word: estimates[word])
    # Concatenated with nothing, the key is no column the index serves: checked row by row.
    whole_key = Concat("search_name", models.Value(""), output_field=models.TextField())
    return (
        queryset.filter(search_name__contains=rarest)
        .alias(_whole_key=whole_key)
        .filter(_whole_key__contains=key)
    )


def _estimated_matches(queryset: models.QuerySet, words: list[str]) -> dict[str, float]:
    """The planner's estimate of the rows whose key contains each word: one plan (not a read)
    of their queries joined by UNION ALL, whose branches keep their estimates in order, so that
    a query of several words costs one round trip, not one per word."""
    base = queryset.model._base_manager.using(queryset.db).order_by().values("pk")
    first, *others = [base.filter(search_name__contains=word) for word in words]
    plan = json.loads(first.union(*others, all=True).explain(format="json"))[0]["Plan"]
    return {word: branch["Plan Rows"] for word, branch in zip(words, plan["Plans"], strict=True)}
