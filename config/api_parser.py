"""The REST API's one parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES). A module of its own:
DRF reads that setting while config/api.py is still being imported."""

from rest_framework import exceptions, parsers

from config.untrusted import InvalidJson, json_read, text_check


class JsonParser(parsers.JSONParser):
    """DRF's JSON parser reading through config/untrusted.py: broken, undecodable or too deep
    JSON is a 400 (DRF's own would let RecursionError through as a 500), and text PostgreSQL
    cannot hold, anywhere in the body, a 400 `invalid_text` naming each field."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            document = json_read(stream.read(), encoding=encoding)
        except InvalidJson as error:
            raise exceptions.ParseError(str(error)) from None
        text_check(document)
        return document
