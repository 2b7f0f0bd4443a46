#!/usr/bin/env python3
#  ticket_data - checks the labelled tickets in tests/data are well formed
#
#  The learned classifier and the similar-incident search are trained and
#  measured on tests/data/tickets.tsv and similar_pairs.tsv; a stray tab,
#  a duplicate id or a pair pointing at no ticket would quietly skew the
#  figures, so the files are held to their README here: the columns, the
#  ids, the taxonomy's minimum counts, the count table in the README, and
#  pairs that are rewordings of their ticket rather than copies of it.
#
#  Usage: ticket_data.py DATA_DIR        exits 0 when all holds, 1 otherwise

import re
import sys
from collections import Counter
from pathlib import Path

TICKET_COLUMNS = ["id", "category", "subcategory", "group", "priority",
                  "title", "description", "resolution"]
PAIR_COLUMNS = ["new_title", "new_description", "match_id"]
MIN_TICKETS = 660
MIN_CATEGORIES = 12
MIN_PER_CATEGORY = 35
MIN_PAIRS = 120
MAX_PAIR_OVERLAP = 0.5      #  Word-set Jaccard of a pair against its ticket
NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


def rows(path, columns, errors):
    """The data rows of a TSV file whose header must be columns."""
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        errors.append(f"{path.name}: the last line has no newline")
    lines = text.split("\n")[:-1]
    if not lines or lines[0].split("\t") != columns:
        errors.append(f"{path.name}: header must be {' '.join(columns)}")
        return []
    result = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(columns):
            errors.append(f"{path.name}:{number}: {len(fields)} fields, "
                          f"{len(columns)} expected")
            continue
        for name, value in zip(columns, fields):
            if value.strip() != value or not value or "  " in value:
                errors.append(f"{path.name}:{number}: {name} is empty or "
                              "has stray spaces")
            if "\r" in value:
                errors.append(f"{path.name}:{number}: carriage return")
        result.append((number, dict(zip(columns, fields))))
    return result


def words(text):
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def check_tickets(path, errors):
    tickets = {}
    texts = set()
    for number, row in rows(path, TICKET_COLUMNS, errors):
        where = f"{path.name}:{number}"
        if not re.fullmatch(r"[1-9][0-9]*", row["id"]):
            errors.append(f"{where}: id {row['id']!r} is not a number")
            continue
        if row["id"] in tickets:
            errors.append(f"{where}: id {row['id']} repeated")
        for name in ("category", "subcategory", "group"):
            if not NAME.match(row[name]):
                errors.append(f"{where}: {name} {row[name]!r} is not a "
                              "lowercase name of at most 63 characters")
        if row["priority"] not in ("1", "2", "3", "4", "5"):
            errors.append(f"{where}: priority {row['priority']!r} not 1-5")
        text = (row["title"] + "\t" + row["description"]).lower()
        if text in texts:
            errors.append(f"{where}: same title and description as another")
        texts.add(text)
        tickets[row["id"]] = row
    totals = Counter(row["category"] for row in tickets.values())
    held = Counter(row["category"] for row in tickets.values()
                   if int(row["id"]) % 5 == 0)
    counts = {category: (held[category], total)
              for category, total in totals.items()}
    if len(tickets) < MIN_TICKETS:
        errors.append(f"{path.name}: {len(tickets)} tickets, "
                      f"at least {MIN_TICKETS} wanted")
    if len(counts) < MIN_CATEGORIES:
        errors.append(f"{path.name}: {len(counts)} categories, "
                      f"at least {MIN_CATEGORIES} wanted")
    for category, (held_out, count) in sorted(counts.items()):
        if count < MIN_PER_CATEGORY:
            errors.append(f"{path.name}: {category} has {count} tickets, "
                          f"at least {MIN_PER_CATEGORY} wanted")
        if held_out < 5:
            errors.append(f"{path.name}: {category} has {held_out} "
                          "held-out tickets (id mod 5 == 0), 5 wanted")
    #  A subcategory belongs to one category only
    owners = {}
    for row in tickets.values():
        owners.setdefault(row["subcategory"], set()).add(row["category"])
    for subcategory, categories in sorted(owners.items()):
        if len(categories) > 1:
            errors.append(f"{path.name}: subcategory {subcategory} under "
                          f"{' and '.join(sorted(categories))}")
    return tickets, counts


def check_pairs(path, tickets, errors):
    pairs = rows(path, PAIR_COLUMNS, errors)
    if len(pairs) < MIN_PAIRS:
        errors.append(f"{path.name}: {len(pairs)} pairs, "
                      f"at least {MIN_PAIRS} wanted")
    seen = set()
    held_out = 0
    for number, pair in pairs:
        where = f"{path.name}:{number}"
        ticket = tickets.get(pair["match_id"])
        if ticket is None:
            errors.append(f"{where}: match_id {pair['match_id']} is no "
                          "ticket's id")
            continue
        if int(pair["match_id"]) % 5 == 0:
            held_out += 1
        text = pair["new_title"] + " " + pair["new_description"]
        if text.lower() in seen:
            errors.append(f"{where}: the same report twice")
        seen.add(text.lower())
        if pair["new_title"].lower() == ticket["title"].lower():
            errors.append(f"{where}: title copied from ticket "
                          f"{pair['match_id']}")
        if sorted(words(pair["new_title"])) == sorted(words(ticket["title"])):
            errors.append(f"{where}: title is ticket {pair['match_id']}'s "
                          "words reordered")
        mine = words(text)
        theirs = words(ticket["title"] + " " + ticket["description"])
        overlap = len(mine & theirs) / len(mine | theirs)
        if overlap > MAX_PAIR_OVERLAP:
            errors.append(f"{where}: {overlap:.2f} of its words are ticket "
                          f"{pair['match_id']}'s, a copy rather than a new "
                          "report")
    if held_out < len(pairs) // 6:
        errors.append(f"{path.name}: {held_out} held-out pairs "
                      "(match_id mod 5 == 0), too few to measure on")
    return len(pairs)


def check_readme(path, counts, errors):
    """The README's count table: a '| category | ... | held out | count |'
    row each."""
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\|\s*`?([a-z][a-z-]*)`?\s*\|.*\|\s*(\d+)\s*"
                         r"\|\s*(\d+)\s*\|$", line)
        if match:
            table[match.group(1)] = (int(match.group(2)),
                                     int(match.group(3)))
    for category, count in counts.items():
        if table.get(category) != count:
            errors.append(f"{path.name}: count table says "
                          f"{table.get(category)} (held out, tickets) for "
                          f"{category}, tickets.tsv has {count}")
    for category in table.keys() - counts.keys():
        errors.append(f"{path.name}: count table lists {category}, "
                      "which has no ticket")


def main(argv):
    if len(argv) != 2:
        print("usage: ticket_data.py DATA_DIR", file=sys.stderr)
        return 2
    data = Path(argv[1])
    errors = []
    try:
        tickets, counts = check_tickets(data / "tickets.tsv", errors)
        pairs = check_pairs(data / "similar_pairs.tsv", tickets, errors)
        check_readme(data / "README.md", counts, errors)
    except (OSError, UnicodeDecodeError) as error:
        errors.append(str(error))
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"ticket_data: {len(errors)} problems", file=sys.stderr)
        return 1
    print(f"ticket_data: {len(tickets)} tickets in {len(counts)} "
          f"categories, {pairs} pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
