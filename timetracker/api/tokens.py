"""Personal API tokens: ``Authorization: Bearer <token>`` instead of a password."""

from __future__ import annotations

from flask import g
from flask.views import MethodView

from timetracker.access import current_caller
from timetracker.api.common import Blueprint, doc
from timetracker.schemas import tokens as s
from timetracker.services import tokens
from timetracker.store.db import get_db

blp = Blueprint(
    "tokens",
    __name__,
    url_prefix="/api/v1",
    description="Personal API tokens. `Authorization: Bearer <token>` authenticates as the "
    "token's user, with that user's permissions, limited by the token's scope (a read token "
    "gets 403 api.error.token_read_only on any write). A disabled or released user's tokens "
    "answer 401; a bad, revoked or expired token answers 401 and counts toward the login ban. "
    "You see and revoke your own tokens; Manage Accounts & Permissions sees and revokes anyone's.",
)


@blp.route("/users/<user:userId>/tokens")
class Tokens(MethodView):
    @blp.arguments(s.TokenListArgs, location="query")
    @blp.response(200, s.TokenListSchema)
    @blp.errors(404)
    @doc("List a user's API tokens\n\nNever the tokens themselves: those are shown once.")
    def get(self, args, userId):  # noqa: N803 - the document's parameter name
        return tokens.listing(get_db(), current_caller(), userId, args)

    @blp.arguments(s.TokenCreateSchema)
    @blp.response(200, s.NewTokenSchema, example={**s.TOKEN_EXAMPLE, "token": "tt_…"})
    @blp.errors(404, 413, 415)
    @doc("Create an API token\n\nYour own (`userId` me or yourself), authenticated with your "
         "password: a token cannot create tokens (403 api.error.token_cannot_create_tokens). "
         "The answer holds the token, shown only now; the server keeps only its hash. "
         "`expires` (epoch ms) must lie in the future (400 api.error.invalid_expiry).")  # fmt: skip
    def post(self, body, userId):  # noqa: N803
        by_token = g.get("token_id") is not None
        return tokens.create(get_db(), current_caller(), userId, body, by_token)


@blp.route("/users/<user:userId>/tokens/<int32:tokenId>")
class Token(MethodView):
    @blp.response(204)
    @blp.errors(404)
    @doc("Revoke an API token\n\nIt stops working at once, in every server process, and "
         "the REST hooks made with it are disabled.")  # fmt: skip
    def delete(self, userId, tokenId):  # noqa: N803
        tokens.revoke(get_db(), current_caller(), userId, tokenId)


blueprints = [blp]
