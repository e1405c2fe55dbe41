"""Rich terminal rendering of advice and of knowledge-base facts."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from stackpick.advice.model import Advice, Ranked, Reason
from stackpick.advice.summary import top_criteria
from stackpick.knowledge import Fact
from stackpick.protocol.advice import LABELS

SHOWN_REASONS = 3
SHOWN_CAVEATS = 5


def _cite(reason: Reason) -> str:
    parts = [*reason.facts, *(f"answer:{a}" for a in reason.answers),
             *(f"cell:{c}" for c in reason.cells)]
    return f" [dim]\\[{escape(', '.join(parts))}][/]" if parts else ""


def _value(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def _ranking(advice: Advice) -> Table:
    table = Table("#", "stack", "runtime per target", "total", "largest contributions",
                  title="Ranking")
    tied = set(advice.tie.stacks) if advice.tie else set()
    for i, r in enumerate(advice.ranking, 1):
        top = ", ".join(f"{LABELS[s.criterion].lower()} {s.contribution:.2f}"
                        for s in top_criteria(r))
        routes = ", ".join(f"{x.runtime} on {x.target}" for x in r.routes) or \
            f"trains on {', '.join(r.train_on) or 'any'}"
        mark = " (tie)" if r.stack in tied else ""
        table.add_row(str(i), escape(r.name) + mark, escape(routes), f"{r.total:.2f}", top)
    return table


def _breakdown(r: Ranked, console: Console, verbose: bool) -> None:
    console.print(f"\n[bold]Why {escape(r.name)}[/] (total {r.total:.2f})")
    for s in r.scores:
        if s.weight == 0 and not verbose:
            continue
        console.print(f"  {LABELS[s.criterion]}: weight {s.weight:g} x value {_value(s.value)} "
                      f"= {s.contribution:.2f} [dim]({s.basis})[/]")
        shown = s.reasons if verbose else s.reasons[:SHOWN_REASONS]
        for reason in shown:
            console.print(f"    - {escape(reason.text)}{_cite(reason)}")
        if len(s.reasons) > len(shown):
            console.print(f"    [dim]... {len(s.reasons) - len(shown)} more (--verbose)[/]")


def print_advice(advice: Advice, console: Console, verbose: bool = False) -> None:
    """The advice as a person reads it: pick, ranking, reasons, exclusions, flips, caveats."""
    data = advice.to_dict()
    console.print(f"[bold]{escape(data['summary'])}[/]")
    console.print(f"[dim]profile ({escape(advice.profile_source)}): "
                  f"{escape(_profile_line(advice))}[/]")
    for c in advice.contradictions:
        console.print(f"[yellow]contradiction:[/] {escape(c.text)}; {escape(c.resolution)}")
    if advice.ranking:
        console.print(_ranking(advice))
        for r in advice.ranking[: (len(advice.ranking) if verbose else 2)]:
            _breakdown(r, console, verbose)
    if advice.eliminated:
        console.print("\n[bold]Ruled out[/]")
        for e in advice.eliminated:
            for reason in e.reasons:
                console.print(f"  {escape(e.name)}: {escape(reason.text)}{_cite(reason)}")
    _flips(advice, console)
    _evidence(advice, console)
    if advice.caveats:  # ordered by how much they could change the decision
        console.print("\n[bold]Caveats[/]")
        shown = advice.caveats if verbose else advice.caveats[:SHOWN_CAVEATS]
        for cav in shown:
            cmd = f"\n      run: [cyan]{escape(cav.command)}[/]" if cav.command else ""
            cite = _cite(Reason("", cav.facts, cav.answers, cav.cells))
            console.print(f"  - {escape(cav.text)}{cite}{cmd}")
        if len(advice.caveats) > len(shown):
            console.print(f"  [dim]... {len(advice.caveats) - len(shown)} more, smaller "
                          "(--verbose)[/]")


def _profile_line(advice: Advice) -> str:
    p = advice.profile
    skills = ",".join(f"{k}={v}" for k, v in p["expertise"].items() if v != "none") or "none"
    return (f"priority={p['priority']} goal={p['goal']} targets={','.join(p['targets'])} "
            f"expertise={skills} existing={p['existing']}")


def _flips(advice: Advice, console: Console) -> None:
    console.print("\n[bold]What would change the pick[/]")
    if not advice.flips:
        console.print(f"  no plausible single change flips it ({advice.changes_checked} tried)")
        if advice.rests_on:
            console.print(f"  {escape(advice.rests_on)}")
    for f in advice.flips:
        console.print(f"  - {escape(f.change.text)} (size {f.change.size}) -> "
                      f"{escape(f.new_pick or 'no stack left')}")


def _evidence(advice: Advice, console: Console) -> None:
    run = advice.run
    measured = (f"run {run['id']} ({run['started_at']}), {len(advice.cells)} cells"
                if run else "no run")
    console.print(f"\n[bold]Evidence[/]: {len(advice.fact_ids())} facts; {measured}")


def print_facts(facts: Iterable[Fact], console: Console) -> None:
    """Facts with their values and sources, one row each."""
    table = Table("id", "stacks", "statement", "values", "source", "as of")
    for f in facts:
        values = "; ".join([*(f"{t}:{lv}" for t, lv in f.reach.items()),
                            *(f"{c} " + ",".join(f"{s}:{v}" for s, v in per.items())
                              for c, per in f.scores.items())])
        table.add_row(f.id, ", ".join(f.stacks), f.statement, values, f.source, f.as_of)
    console.print(table)
