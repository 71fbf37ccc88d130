"""What the home page says about a lesson, read from the notebook's own markdown.

A lesson states its title in its first heading, and may state its learning objectives and its estimated
time in any markdown cell, in any of the usual shapes:

    ## Learning objectives              **Learning objectives.** After this lesson you can
    - explain why ...                   1. explain why ...
    - measure ...                       2. measure ...

    **Estimated time:** 30 minutes      *Estimated time* - about 25-35 min     | Estimated time | 40 min |

When a lesson states no objectives, the home page shows its first paragraph instead; when it states no time,
none is shown (and the total counts only the lessons that state one).
"""
import re

OBJECTIVES = re.compile(r"^\W*(learning objectives|objectives|you will learn|what you will learn)\b", re.IGNORECASE)
TIME = re.compile(r"estimated\s+time\W*?[:\-–—|]\s*(?P<time>[^|\n]+)", re.IGNORECASE)
MINUTES = re.compile(r"(?P<low>\d+)(?:\s*(?:-|–|to)\s*(?P<high>\d+))?\s*(?P<unit>min|minutes?|h|hours?)\b", re.IGNORECASE)
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?P<item>.+)$")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$")


def _markdown_cells(nb):
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def _strip_emphasis(text):
    return re.sub(r"(\*\*|__|\*|_)(.+?)\1", r"\2", text).strip()


def title_of(nb, fallback):
    """The first heading of the notebook, without a leading lesson number ('01 · ')."""
    for source in _markdown_cells(nb):
        for line in source.splitlines():
            match = HEADING.match(line)
            if match:
                return re.sub(r"^\d+\s*[·:.\-–—]\s*", "", _strip_emphasis(match.group("text")))
    return fallback


def objectives_of(nb):
    """The list items that follow a 'Learning objectives' heading or bold lead-in, as markdown strings.

    The list may follow in the same markdown cell or the next one, after an introducing sentence, with blank
    lines between its items; it ends at the first line that is neither an item nor an item's continuation.
    """
    lines = "\n\n".join(_markdown_cells(nb)).splitlines()
    for start, line in enumerate(lines):
        heading = HEADING.match(line)
        if not OBJECTIVES.match(_strip_emphasis(heading.group("text") if heading else line)):
            continue
        items = []
        for following in lines[start + 1:]:
            item = LIST_ITEM.match(following)
            if not following.strip():
                continue
            if item:
                items.append(item.group("item").strip())
            elif items and following.startswith(("  ", "\t")):
                items[-1] += " " + following.strip()
            elif items or HEADING.match(following):
                break
        if items:
            return items
    return []


def time_of(nb):
    """The estimated time as the lesson words it ('about 30 minutes'), and in minutes (the upper end), or (None, None)."""
    for source in _markdown_cells(nb):
        match = TIME.search(_strip_emphasis(source.replace("**", "")))
        if not match:
            continue
        words = match.group("time").strip().rstrip(".").strip()
        minutes = MINUTES.search(words)
        if not minutes:
            return words, None
        value = int(minutes.group("high") or minutes.group("low"))
        return words, value * 60 if minutes.group("unit").lower().startswith("h") else value
    return None, None


def first_paragraph(nb):
    """The first paragraph after the title: what the home page shows when a lesson states no objectives."""
    for source in _markdown_cells(nb):
        for block in re.split(r"\n\s*\n", source):
            block = block.strip()
            if block and not HEADING.match(block.splitlines()[0]) and not block.startswith(("|", "<", "```")):
                return " ".join(line.strip() for line in block.splitlines())
    return ""


def lesson_info(nb, fallback_title):
    words, minutes = time_of(nb)
    return {
        "title": title_of(nb, fallback_title),
        "objectives": objectives_of(nb),
        "time": words,
        "minutes": minutes,
        "summary": first_paragraph(nb),
    }
