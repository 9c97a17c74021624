"""Model prices and the cost of provider usage.

Prices are per million tokens. A project's ``model_prices`` rows (editable on the usage
page) win; otherwise the defaults below apply, matched by the longest model-name prefix
so dated names such as ``claude-haiku-4-5-20251001`` find ``claude-haiku-4-5``.

``provider_usage.prompt_tokens`` counts uncached input tokens, as the Messages API's
``input_tokens`` does; cache reads and writes are priced separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.models import ModelPrice
from bot.store import ProjectScope

MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Price:
    """USD per million tokens for one model."""

    model: str
    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write: Decimal
    provider: str = "anthropic"
    currency: str = "USD"
    custom: bool = False

    def cost(
        self, prompt: int, completion: int, cache_read: int = 0, cache_write: int = 0
    ) -> Decimal:
        """The cost of the given token counts, in :attr:`currency`."""
        total = (
            prompt * self.input
            + completion * self.output
            + cache_read * self.cache_read
            + cache_write * self.cache_write
        )
        return total / MILLION


def _price(model: str, inp: str, out: str, read: str, write: str) -> Price:
    return Price(model, Decimal(inp), Decimal(out), Decimal(read), Decimal(write))


#: Published list prices of current Claude models (USD per million tokens).
DEFAULT_PRICES: tuple[Price, ...] = (
    _price("claude-opus-4-5", "5", "25", "0.50", "6.25"),
    _price("claude-opus-4-1", "15", "75", "1.50", "18.75"),
    _price("claude-opus-4", "15", "75", "1.50", "18.75"),
    _price("claude-sonnet-4-5", "3", "15", "0.30", "3.75"),
    _price("claude-sonnet-4", "3", "15", "0.30", "3.75"),
    _price("claude-haiku-4-5", "1", "5", "0.10", "1.25"),
    _price("claude-3-5-haiku", "0.80", "4", "0.08", "1"),
)

ZERO = Price("unknown", Decimal(0), Decimal(0), Decimal(0), Decimal(0))


class PriceBook:
    """The prices one project uses: its own rows first, then the defaults."""

    def __init__(self, custom: list[Price]) -> None:
        self.custom = {p.model: p for p in custom}

    @classmethod
    def load(cls, scope: ProjectScope) -> PriceBook:
        rows = scope.all(ModelPrice, order_by=ModelPrice.model)
        return cls([_from_row(row) for row in rows])

    def for_model(self, model: str) -> Price:
        """The price for ``model``: exact custom row, else longest matching prefix."""
        if model in self.custom:
            return self.custom[model]
        candidates = [*self.custom.values(), *DEFAULT_PRICES]
        matches = [p for p in candidates if model.startswith(p.model)]
        return max(matches, key=lambda p: (len(p.model), p.custom)) if matches else ZERO

    def table(self) -> list[Price]:
        """Every price shown on the usage page: custom rows, then defaults not overridden."""
        defaults = [p for p in DEFAULT_PRICES if p.model not in self.custom]
        return [*sorted(self.custom.values(), key=lambda p: p.model), *defaults]


def _from_row(row: ModelPrice) -> Price:
    return Price(
        model=row.model,
        input=Decimal(row.input_per_mtok),
        output=Decimal(row.output_per_mtok),
        cache_read=Decimal(row.cache_read_per_mtok),
        cache_write=Decimal(row.cache_write_per_mtok),
        provider=row.provider,
        currency=row.currency,
        custom=True,
    )


class PriceError(ValueError):
    """A price form that cannot be saved."""


def parse_rate(raw: str, field: str) -> Decimal:
    """A non-negative price per million tokens from form text."""
    try:
        value = Decimal((raw or "").strip())
    except InvalidOperation as exc:
        raise PriceError(f"{field}: {raw!r} is not a number") from exc
    if not value.is_finite() or value < 0 or value > Decimal("99999999"):
        raise PriceError(f"{field}: must be between 0 and 99,999,999")
    return value.quantize(Decimal("0.0001"))


def save_price(scope: ProjectScope, model: str, rates: dict[str, str]) -> ModelPrice:
    """Create or update this project's price for ``model`` (audited through ``scope``).

    Raises:
        PriceError: a blank model name or an unreadable rate; nothing is written.
    """
    model = (model or "").strip()
    if not model or len(model) > 100:
        raise PriceError("model: give the model name (up to 100 characters)")
    values = {
        "input_per_mtok": parse_rate(rates.get("input", ""), "input"),
        "output_per_mtok": parse_rate(rates.get("output", ""), "output"),
        "cache_read_per_mtok": parse_rate(rates.get("cache_read", ""), "cache read"),
        "cache_write_per_mtok": parse_rate(rates.get("cache_write", ""), "cache write"),
    }
    row = scope.first(ModelPrice, ModelPrice.provider == "anthropic", ModelPrice.model == model)
    if row is None:
        return scope.insert(ModelPrice(provider="anthropic", model=model, currency="USD", **values))
    return scope.update(row, **values)
