"""Context builders: the record, turned into the JSON-able dicts the templates render."""
