"""Three small Strawberry federation subgraphs (shop, reviews, accounts) used by the gateway tests."""

from __future__ import annotations

import asyncio
import enum
import json
import logging
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.federation.schema_directives import Key
from strawberry.types import Info

logging.getLogger("strawberry.execution").setLevel(logging.CRITICAL)

MUTATION_LOG: list[str] = []
# Named, inline, nested and abstract fragments over all three toy subgraphs (the executor and the shaper test it).
FRAGMENTS_QUERY = """query {
  products(first: 2) { ...ProductBits ... on Product { price ... { weight } } }
  feed { __typename ...FeedBits }
  named { ...NamedBits }
}
fragment ProductBits on Product { upc ...Nested }
fragment Nested on Product { reviewCount reviews(first: 1) { ...ReviewBits } }
fragment ReviewBits on Review { id author { name } }
fragment FeedBits on FeedItem {
  ... on Review { body author { username } }
  ... on Product { upc name }
}
fragment NamedBits on Named { __typename name ... on User { reviews { id } } ... on Team { size } }"""
PRODUCT_COUNT = 120


@strawberry.enum
class Category(enum.Enum):
    BOOK = "book"
    GAME = "game"


def _category(index: int) -> Category:
    return Category.BOOK if index % 2 == 0 else Category.GAME


PRODUCTS: dict[str, dict[str, Any]] = {
    f"p{i}": {
        "upc": f"p{i}",
        "name": f"Product {i}",
        "price": Decimal(f"{i}.50"),
        "weight": i * 10 if i % 3 else None,
        "category": _category(i),
    }
    for i in range(1, PRODUCT_COUNT + 1)
}
USERS: dict[str, dict[str, Any]] = {
    f"u{i}": {"id": f"u{i}", "name": f"User {i}", "username": f"user{i}", "favorite": f"p{i + 1}"}
    for i in range(1, 6)
}
REVIEWS: list[dict[str, Any]] = [
    {"id": f"r{i}", "body": f"Review {i}", "upc": f"p{(i % 4) + 1}", "author": f"u{(i % 5) + 1}", "stars": i % 5}
    for i in range(1, 13)
]


# ---------------------------------------------------------------- shop


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str
    name: str
    price: Decimal
    weight: int | None
    category: Category

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Product:
        return cls(**row)

    @classmethod
    def resolve_reference(cls, upc: str) -> Product | None:
        row = PRODUCTS.get(upc)
        return cls.from_row(row) if row else None


@strawberry.input
class ProductFilter:
    upcs: list[str] | None = None
    category: Category | None = None
    min_price: Decimal = Decimal("0")


@strawberry.type
class ShopQuery:
    @strawberry.field
    def products(self, first: int = 5) -> list[Product]:
        return [Product.from_row(row) for row in list(PRODUCTS.values())[:first]]

    @strawberry.field
    def product(self, upc: str) -> Product | None:
        return Product.resolve_reference(upc)

    @strawberry.field
    def search(self, filter: ProductFilter) -> list[Product]:
        rows = list(PRODUCTS.values())
        if filter.upcs is not None:
            rows = [PRODUCTS[u] for u in filter.upcs if u in PRODUCTS]
        if filter.category is not None:
            rows = [r for r in rows if r["category"] == filter.category]
        return [Product.from_row(r) for r in rows if r["price"] >= filter.min_price]

    @strawberry.federation.field(shareable=True)
    def version(self) -> str:
        return "shop-1"


@strawberry.type
class ShopMutation:
    @strawberry.mutation
    def add_product(self, upc: str, name: str) -> Product:
        MUTATION_LOG.append(f"shop:{upc}")
        PRODUCTS[upc] = {"upc": upc, "name": name, "price": Decimal("1.00"), "weight": None,
                         "category": Category.BOOK}
        return Product.from_row(PRODUCTS[upc])

    @strawberry.mutation
    def log_shop(self, message: str) -> int:
        MUTATION_LOG.append(f"shop:{message}")
        return len(MUTATION_LOG)


shop_schema = strawberry.federation.Schema(query=ShopQuery, mutation=ShopMutation)


# ---------------------------------------------------------------- reviews


@strawberry.federation.type(keys=["id"], name="User")
class ReviewsUser:
    id: strawberry.ID

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [Review.from_row(r) for r in REVIEWS if r["author"] == self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ReviewsUser:
        return cls(id=id)



@strawberry.federation.type(keys=["upc"], name="Product")
class ReviewsProduct:
    upc: str

    @strawberry.field
    def reviews(self, first: int | None = None) -> list[Review]:
        found = [Review.from_row(r) for r in REVIEWS if r["upc"] == self.upc]
        return found if first is None else found[:first]

    @strawberry.field
    def review_count(self) -> int:
        return sum(1 for r in REVIEWS if r["upc"] == self.upc)

    @strawberry.field
    def broken_reviews(self) -> list[str]:
        if self.upc == "p2":
            raise ValueError("reviews of p2 are broken")
        return ["fine"]

    @classmethod
    def resolve_reference(cls, upc: str) -> ReviewsProduct:
        return cls(upc=upc)



@strawberry.type
class Review:
    id: strawberry.ID
    body: str
    stars: int
    category: Category
    author_id: strawberry.Private[str]
    upc: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Review:
        return cls(id=row["id"], body=row["body"], stars=row["stars"], category=_category(row["stars"]),
                   author_id=row["author"], upc=row["upc"])

    @strawberry.field
    def author(self) -> ReviewsUser:
        return ReviewsUser(id=strawberry.ID(self.author_id))

    @strawberry.field
    def product(self) -> ReviewsProduct:
        return ReviewsProduct(upc=self.upc)


FeedItem = Annotated[Review | ReviewsProduct, strawberry.union("FeedItem")]


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def top_reviews(self, first: int = 3) -> list[Review]:
        return [Review.from_row(r) for r in REVIEWS[:first]]

    @strawberry.field
    def feed(self) -> list[FeedItem]:
        return [Review.from_row(REVIEWS[0]), ReviewsProduct(upc="p3"), Review.from_row(REVIEWS[1])]


@strawberry.type
class ReviewsMutation:
    @strawberry.mutation
    def log_reviews(self, message: str) -> int:
        MUTATION_LOG.append(f"reviews:{message}")
        return len(MUTATION_LOG)


reviews_schema = strawberry.federation.Schema(query=ReviewsQuery, mutation=ReviewsMutation)


# ---------------------------------------------------------------- accounts


@strawberry.federation.type(keys=[Key(fields="upc", resolvable=False)], name="Product")
class AccountsProduct:
    upc: str



@strawberry.interface
class Named:
    name: str


@strawberry.federation.type(keys=["id"])
class User(Named):
    id: strawberry.ID
    username: str | None
    favorite_upc: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> User:
        return cls(id=row["id"], name=row["name"], username=row["username"], favorite_upc=row["favorite"])

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User | None:
        row = USERS.get(id)
        return cls.from_row(row) if row else None

    @strawberry.field
    def favorite_product(self) -> AccountsProduct:
        return AccountsProduct(upc=self.favorite_upc)

    @strawberry.field
    def secret(self) -> str | None:
        raise PermissionError(f"secret of {self.id} is hidden")

    @strawberry.field
    def must_have(self) -> str:
        if self.id == "u2":
            raise ValueError("u2 has no mustHave")
        return f"must-{self.id}"


@strawberry.type
class Team(Named):
    size: int


@strawberry.type
class AccountsQuery:
    @strawberry.field
    def me(self) -> User | None:
        return User.from_row(USERS["u1"])

    @strawberry.field
    def user(self, id: strawberry.ID) -> User | None:
        row = USERS.get(id)
        return User.from_row(row) if row else None

    @strawberry.field
    def users(self, ids: list[strawberry.ID] | None = None) -> list[User]:
        rows = list(USERS.values()) if ids is None else [USERS[i] for i in ids if i in USERS]
        return [User.from_row(r) for r in rows]

    @strawberry.field
    def named(self) -> list[Named]:
        return [User.from_row(USERS["u3"]), Team(name="Core", size=4)]

    @strawberry.field
    async def slow(self, seconds: float = 2.0) -> str | None:
        await asyncio.sleep(seconds)
        return "slow"

    @strawberry.field
    def echo_header(self, name: str, info: Info) -> str | None:
        return info.context["request"].headers.get(name)

    @strawberry.federation.field(shareable=True)
    def version(self) -> str:
        return "accounts-1"


@strawberry.type
class AccountsMutation:
    @strawberry.mutation
    def rename_user(self, id: strawberry.ID, name: str) -> User:
        MUTATION_LOG.append(f"accounts:{id}")
        USERS[id]["name"] = name
        return User.from_row(USERS[id])

    @strawberry.mutation
    def log_accounts(self, message: str) -> int:
        MUTATION_LOG.append(f"accounts:{message}")
        return len(MUTATION_LOG)


accounts_schema = strawberry.federation.Schema(query=AccountsQuery, mutation=AccountsMutation, types=[Team])


SCHEMAS = {"shop": shop_schema, "reviews": reviews_schema, "accounts": accounts_schema}


class DenyingApp:
    """Answers 401 with a GraphQL error body when the `x-deny` header names this subgraph."""

    def __init__(self, name: str, app: Any) -> None:
        self.name = name
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if headers.get(b"x-deny", b"").decode() == self.name:
                body = json.dumps({"data": None, "errors": [
                    {"message": f"{self.name}: not authenticated", "extensions": {"code": "UNAUTHENTICATED"}}
                ]}).encode()
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def make_app(name: str) -> Any:
    return DenyingApp(name, GraphQL(SCHEMAS[name], graphql_ide=None))
