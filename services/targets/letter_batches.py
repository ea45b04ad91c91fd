"""Responsibility letters in batches: the target office drafts one level's letters for many units at once, and a
signer signs a stack of letters in one sitting (a unit's operator its unit's, the office the departments').

Every letter is checked exactly as `letters.create_letter` and `letters.sign_letter` check one (the same helper
functions); a batch is all or nothing, in one transaction with one audit entry listing its letters. The
content hash of a letter signed in a batch is the one `letters.sign_letter` would store. Amendments are signed
one at a time (`signLetter`), as their changes are applied when they are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tortoise.expressions import F

from kernel.audit import audited
from kernel.context import RequestContext
from kernel.errors import BadInput, Conflict, NotFound
from services.targets import rules
from services.targets.catalog import open_year, target_fields
from services.targets.letters import (
    LetterSpec,
    _check_binding,
    _check_spec,
    _check_unit_ready,
    _signature,
    _signer,
    letter_fields,
)
from services.targets.models import Letter, LetterLevel, LetterStatus, LetterTarget, Target, TargetStatus, Unit
from services.targets.people import not_of_unit, units_of

MAX_BATCH = 5000
CHUNK = 900  # ids per IN (…) list: under SQLite's bound-variable limit


@dataclass(frozen=True)
class Signature:
    letter_id: int
    side: str  # ISSUER | RECEIVER
    version: int


def _size(count: int, what: str) -> None:
    if count == 0:
        raise BadInput(f"a batch holds at least one {what}", field="batch")
    if count > MAX_BATCH:
        raise BadInput(f"a batch holds at most {MAX_BATCH} {what}s", field="batch")


def _chunks(values: list[int] | list[str]) -> list[list[int] | list[str]]:
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]  # type: ignore[misc]


async def _letters(ids: set[int]) -> dict[int, Letter]:
    found: dict[int, Letter] = {}
    for chunk in _chunks(sorted(ids)):
        found.update({x.id: x for x in await Letter.filter(id__in=chunk)})
    return found


async def _bound(letter_ids: list[int]) -> dict[int, list[Target]]:
    """The targets each letter binds, by code (two queries per chunk of letters)."""
    links: list[tuple[int, int]] = []
    for chunk in _chunks(letter_ids):
        links += await LetterTarget.filter(letter_id__in=chunk).values_list("letter_id", "target_id")
    targets: dict[int, Target] = {}
    for chunk in _chunks(sorted({t for _, t in links})):
        targets.update({t.id: t for t in await Target.filter(id__in=chunk)})
    grouped: dict[int, list[Target]] = {i: [] for i in letter_ids}
    for letter_id, target_id in links:
        grouped[letter_id].append(targets[target_id])
    return {i: sorted(ts, key=lambda t: t.code) for i, ts in grouped.items()}


SIGNED_COLUMNS = ["issuer_signed_by", "issuer_signed_at", "receiver_signed_by", "receiver_signed_at", "status",
                  "content_hash"]


async def _write(known: dict[int, Letter], seen: dict[int, int]) -> None:
    """Store the batch's signatures: each letter's version moves on only from the one the batch read (someone
    else's change meanwhile is a CONFLICT, as in `sign_letter`), then the signature columns in bulk."""
    moves: dict[tuple[int, int], list[int]] = defaultdict(list)
    for letter_id, version in seen.items():
        moves[(version, known[letter_id].version)].append(letter_id)
    for (before, after), ids in moves.items():
        for chunk in _chunks(ids):
            if await Letter.filter(id__in=chunk, version=before).update(version=after) != len(chunk):
                raise Conflict("a letter of the batch was changed by someone else meanwhile; reload and try again",
                               field="version")
    await Letter.bulk_update([known[i] for i in seen], fields=SIGNED_COLUMNS, batch_size=500)


async def create_letters(ctx: RequestContext, specs: list[LetterSpec]) -> list[Letter]:
    """DRAFT letters, each as `create_letter` makes one; parents must exist before the batch."""
    _size(len(specs), "letter")
    checked = [(spec, *_check_spec(ctx, spec)) for spec in specs]
    people = [(spec.unit_code, receiver) for spec, level, _i, receiver, _c in checked
              if level is LetterLevel.DEPARTMENT_PERSON]
    units_now = await units_of(ctx, [receiver for _u, receiver in people])
    for unit_code, receiver in people:
        if units_now.get(receiver) != unit_code:
            raise not_of_unit(receiver, unit_code, "receiver")
    async with audited(ctx, action="createLetters", entity="ResponsibilityLetter") as audit:
        for year in sorted({spec.year for spec in specs}):
            await open_year(year)
        wanted_units = sorted({spec.unit_code for spec in specs})
        known_units = set(await Unit.filter(code__in=wanted_units).values_list("code", flat=True))
        missing_units = [u for u in wanted_units if u not in known_units]
        if missing_units:
            raise NotFound(f"no unit {', '.join(missing_units[:10])}")
        targets: dict[tuple[int, str], Target] = {}
        for year in sorted({spec.year for spec in specs}):
            codes = sorted({c for spec, *_r, cs in checked if spec.year == year for c in cs})
            for chunk in _chunks(codes):
                targets.update({(year, t.code): t for t in await Target.filter(year=year, code__in=chunk)})
        parent_ids = {spec.parent_id for spec, level, *_r in checked
                      if level is not LetterLevel.CITY_UNIT and spec.parent_id is not None}
        parents = await _letters(parent_ids)
        absent = sorted(parent_ids - set(parents))
        if absent:
            raise NotFound(f"no responsibility letter {absent[0]}")
        ancestors = {i: {t.code for t in ts} for i, ts in (await _bound(sorted(parents))).items()}
        trees: dict[tuple[int, str], dict[str, str | None]] = defaultdict(dict)
        below = sorted({(spec.year, spec.unit_code) for spec, level, *_r in checked
                        if level is not LetterLevel.CITY_UNIT})
        for year in sorted({y for y, _u in below}):
            units = sorted({u for y, u in below if y == year})
            for chunk in _chunks(units):
                rows = await Target.filter(year=year, unit_code__in=chunk).values_list("unit_code", "code",
                                                                                     "parent_code")
                for unit_code, code, parent_code in rows:
                    trees[(year, unit_code)][code] = parent_code
        created: list[Letter] = []
        links: list[LetterTarget] = []
        for spec, level, issuer, receiver, codes in checked:
            bound = [targets[(spec.year, c)] for c in codes if (spec.year, c) in targets]
            parent = parents.get(spec.parent_id) if spec.parent_id is not None else None
            _check_binding(spec, level, codes, bound, parent, ancestors.get(spec.parent_id or 0, set()),
                           trees.get((spec.year, spec.unit_code), {}))
            letter = await Letter.create(year=spec.year, unit_code=spec.unit_code, level=level,
                                         title=spec.title.strip(), issuer=issuer, receiver=receiver,
                                         parent_id=parent.id if parent else None)
            created.append(letter)
            links += [LetterTarget(letter_id=letter.id, target_id=t.id) for t in bound]
        await LetterTarget.bulk_create(links, batch_size=1000)
        audit.entity_id = f"{len(created)} letters"
        audit.after = {"letters": [[x.id, x.year, x.unit_code, x.level.value, x.issuer, x.receiver, x.parent_id,
                                    codes] for x, (_s, _l, _i, _r, codes) in zip(created, checked, strict=True)]}
    return created


async def sign_letters(ctx: RequestContext, signatures: list[Signature]) -> list[Letter]:
    """Signatures in the order given, each as `sign_letter` puts one (so a batch may sign a letter's parent
    before the letter); a letter with both sides signed becomes SIGNED, hashed, and its targets frozen."""
    _size(len(signatures), "signature")
    for s in signatures:
        if s.side not in ("ISSUER", "RECEIVER"):
            raise BadInput("a side is ISSUER or RECEIVER", field="side")
    async with audited(ctx, action="signLetters", entity="ResponsibilityLetter") as audit:
        wanted = {s.letter_id for s in signatures}
        known = await _letters(wanted)
        absent = sorted(wanted - set(known))
        if absent:
            raise NotFound(f"no responsibility letter {absent[0]}")
        amendments = sorted(x.id for x in known.values() if x.amends_id is not None)
        if amendments:
            raise BadInput(f"letter {amendments[0]} is an amendment; it is signed on its own (signLetter)",
                           field="batch")
        known.update(await _letters({x.parent_id for x in known.values() if x.parent_id is not None} - set(known)))
        for year in sorted({known[i].year for i in wanted}):
            await open_year(year)
        bound = await _bound(sorted(wanted))
        ready: set[tuple[int, str, bool]] = set()
        frozen: list[int] = []
        done: list[tuple[int, str, str]] = []
        seen: dict[int, int] = {}  # letter id → the version it had when the batch read it
        for s in signatures:
            letter = known[s.letter_id]
            caller = _signer(ctx, letter, s.side)
            parent = known.get(letter.parent_id) if letter.parent_id is not None else None
            values = _signature(caller.username, letter, s.side, s.version, parent)
            if letter.issuer_signed_by and letter.receiver_signed_by:
                targets = bound[letter.id]
                for t in targets:
                    if t.status is not TargetStatus.AGREED:
                        raise Conflict(f"target {t.code} is {t.status.value}; it is bound by another signed letter",
                                       field="targets")
                key = (letter.year, letter.unit_code, letter.level is LetterLevel.CITY_UNIT)
                if key not in ready:
                    await _check_unit_ready(letter)
                    ready.add(key)
                digest = rules.content_hash(letter_fields(letter), [target_fields(t) for t in targets])
                for t in targets:
                    t.status = TargetStatus.SIGNED
                    frozen.append(t.id)
                letter.status, letter.content_hash = LetterStatus.SIGNED, digest
                values |= {"status": LetterStatus.SIGNED, "content_hash": digest}
            seen.setdefault(letter.id, s.version)
            letter.version = s.version + 1
            done.append((letter.id, s.side, letter.status.value))
        await _write(known, seen)
        for chunk in _chunks(frozen):
            await Target.filter(id__in=chunk).update(status=TargetStatus.SIGNED, version=F("version") + 1)
        audit.entity_id = f"{len(done)} signatures"
        audit.after = {"signatures": [[i, side, status, known[i].content_hash] for i, side, status in done]}
    return [known[i] for i in dict.fromkeys(s.letter_id for s in signatures)]
