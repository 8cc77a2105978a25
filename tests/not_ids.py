"""What a request may send where an id is expected and that no id is: values `int()` reads as a
real id, values `str.isdigit()` takes and `int()` refuses, numbers past a bigint, NUL."""

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def not_ids(real_id: int) -> dict[str, str]:
    """Stand-ins for `real_id`, by kind; the first four are that very id to `int()`."""
    return {
        "arabic-indic digits": str(real_id).translate(ARABIC_INDIC),
        "sign": f"+{real_id}",
        "spaces": f" {real_id} ",
        "underscore": f"0_{real_id}",
        "superscript": "²",
        "past a bigint": str(2**63),
        "huge": "9" * 40,
        "NUL": f"{real_id}\x00",
    }


KINDS = list(not_ids(1))
