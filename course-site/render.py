"""Render executed lesson notebooks into the static course site (called by course-site/build.js).

usage: python course-site/render.py --out SITE [--figures FIGURES] EXECUTED.ipynb ...

nbconvert turns each notebook into HTML with the template in course-site/templates/lesson/ (the JupyterLab
look, plus: Plotly charts drawn by the site's single copy of plotly.js, findings highlighted, solution cells
folded in <details>, previous/next links). Jinja then writes the home page, the gallery and the search page
from course-site/templates/pages/. The lessons are given in course order; build.js has already copied
plotly.js into SITE/assets/.
"""
import argparse
import html
import json
import re
import shutil
import sys
from pathlib import Path

import mistune
import nbformat
from jinja2 import Environment, FileSystemLoader, select_autoescape
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor
from traitlets.config import Config

from lesson_info import lesson_info

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
PLOTLY = "application/vnd.plotly.v1+json"
FINDING = "application/vnd.gradscope.finding+json"
SNAPSHOTS = ("image/png", "image/jpeg")
# What an output shows, best first: a chart beats its snapshot, a finding beats its markdown line.
OUTPUT_PRIORITY = [PLOTLY, FINDING, "text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg", "text/plain"]


class SiteMarks(Preprocessor):
    """Numbers the charts of a lesson (chart-1, chart-2, ...) so pages, gallery and search can link to them."""

    def preprocess(self, nb, resources):
        charts = []
        for index, cell in enumerate(nb.cells):
            for output in cell.get("outputs", []):
                figure = output.get("data", {}).get(PLOTLY)
                if figure is None:
                    continue
                anchor = f"chart-{len(charts) + 1}"
                output.setdefault("metadata", {})["gradscope_site"] = {"anchor": anchor}
                layout = figure.get("layout", {}) if isinstance(figure, dict) else {}
                title = layout.get("title", {})
                title = title.get("text", "") if isinstance(title, dict) else str(title)
                charts.append({
                    "anchor": anchor,
                    "cell": index,
                    "name": (layout.get("meta") or {}).get("name", anchor) if isinstance(layout.get("meta"), dict) else anchor,
                    "title": plain_chart_title(title),
                    "summary": _text(output.get("data", {}).get("text/plain", "")),
                    "snapshot": next(((mime, output["data"][mime]) for mime in SNAPSHOTS if mime in output.get("data", {})), None),
                })
        resources.setdefault("gradscope", {})["charts"] = charts
        return nb, resources


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value)


def plain_chart_title(title):
    """A Plotly title as plain text: its subtitle (<sup>) dropped, line breaks as spaces, no tags."""
    title = re.sub(r"<sup>.*?</sup>", "", title, flags=re.DOTALL)
    title = re.sub(r"<br\s*/?>", " ", title)
    return html.unescape(re.sub(r"<[^>]+>", "", title)).strip()


def figure_json(figure):
    """The figure as JSON that is safe inside a <script> element."""
    return json.dumps(figure, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


def plain_title(markdown_text):
    return re.sub(r"<[^>]+>", "", mistune.html(markdown_text)).strip()


def exporter():
    config = Config()
    config.NbConvertBase.display_data_priority = OUTPUT_PRIORITY
    # Jupyter's standard tags for hiding cells from a rendered page.
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "remove_cell"}
    config.TagRemovePreprocessor.remove_input_tags = {"remove-input", "remove_input", "hide-input", "hide_input"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output", "remove_output"}
    config.TagRemovePreprocessor.enabled = True
    config.HTMLExporter.preprocessors = [TagRemovePreprocessor, SiteMarks]
    config.HTMLExporter.embed_images = True
    exp = HTMLExporter(config=config, template_name="lesson", extra_template_basedirs=[str(TEMPLATES)])
    exp.register_filter("figure_json", figure_json)
    return exp


def link_lessons(page, stems):
    """Links between lessons point at their pages: 02-relu-family.ipynb#x -> 02-relu-family.html#x."""
    pattern = re.compile(r'href="(?:\./)?(?:\.\./notebooks/)?(' + "|".join(map(re.escape, stems)) + r')\.ipynb(#[^"]*)?"')
    return pattern.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', page)


HEADING_TAG = re.compile(r'<h([1-4])[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)


def sections_of(page):
    """The headings of a rendered page with their anchors and the text up to the next heading (for search)."""
    matches = list(HEADING_TAG.finditer(page))
    sections = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(page)
        body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page[match.end():end], flags=re.DOTALL)
        text = html.unescape(re.sub(r"<[^>]+>", " ", body))
        text = re.sub(r"\s+", " ", re.sub(r"\b(?:In|Out)\s*\[\s*\d*\s*\]:", " ", text)).strip()
        heading = html.unescape(re.sub(r"<[^>]+>", "", match.group(3))).replace("¶", "").strip()
        sections.append({"level": int(match.group(1)), "anchor": match.group(2), "heading": heading, "text": text[:1500]})
    return sections


def gallery_from_figures(figures_dir, out, lessons):
    """Gallery cards from `npm run figures` output: its PNGs (and downloads) copied into the site."""
    index = json.loads((figures_dir / "index.json").read_text())
    by_stem = {lesson["stem"]: lesson for lesson in lessons}
    groups = []
    for entry in index:
        lesson = by_stem.get(entry["notebook"])
        if lesson is None:
            continue
        cards = []
        for number, figure in enumerate(entry["figures"]):
            files = {}
            for file in figure["files"]:
                source = figures_dir / file
                if source.suffix in (".png", ".svg", ".csv", ".json") and source.exists():
                    target = out / "gallery" / file
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)
                    files[source.suffix[1:]] = f"gallery/{file}"
            chart = lesson["charts"][number] if number < len(lesson["charts"]) else None
            cards.append({
                "title": plain_chart_title(figure.get("title") or figure["name"]),
                "summary": figure.get("summary", ""),
                "image": files.get("png") or files.get("svg"),
                "downloads": files,
                "href": f"{lesson['page']}#{chart['anchor']}" if chart else lesson["page"],
            })
        groups.append({"lesson": lesson, "cards": cards})
    return groups


def gallery_from_snapshots(out, lessons):
    """Without figures/, the gallery shows the snapshot every chart output carries (when it was made)."""
    import base64

    groups = []
    for lesson in lessons:
        cards = []
        for chart in lesson["charts"]:
            image = None
            if chart["snapshot"]:
                mime, data = chart["snapshot"]
                target = out / "gallery" / lesson["stem"] / f"{chart['anchor']}.{mime.split('/')[1]}"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(base64.b64decode(_text(data)))
                image = target.relative_to(out).as_posix()
            cards.append({"title": chart["title"] or chart["name"], "summary": chart["summary"], "image": image,
                          "downloads": {}, "href": f"{lesson['page']}#{chart['anchor']}"})
        groups.append({"lesson": lesson, "cards": cards})
    return groups


def total_time(lessons):
    minutes = [lesson["minutes"] for lesson in lessons if lesson["minutes"]]
    if not minutes:
        return None
    hours, rest = divmod(sum(minutes), 60)
    return {"text": f"{hours} h {rest:02d} min" if hours else f"{rest} min", "counted": len(minutes)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--figures")
    parser.add_argument("notebooks", nargs="+")
    args = parser.parse_args()
    out = Path(args.out)
    (out / "assets").mkdir(parents=True, exist_ok=True)
    for asset in (HERE / "assets").iterdir():
        shutil.copyfile(asset, out / "assets" / asset.name)

    notebooks = [nbformat.read(path, as_version=4) for path in args.notebooks]
    stems = [Path(path).stem for path in args.notebooks]
    lessons = []
    for number, (stem, nb) in enumerate(zip(stems, notebooks)):
        info = lesson_info(nb, stem)
        lessons.append({
            **info,
            "stem": stem,
            "number": number,
            "label": re.match(r"\d+", stem).group(0) if re.match(r"\d+", stem) else str(number + 1),
            "page": f"{stem}.html",
            "title_html": plain_title(info["title"]),
            "objectives_html": [mistune.html(item).strip().removeprefix("<p>").removesuffix("</p>") for item in info["objectives"]],
            "summary_html": mistune.html(info["summary"]),
        })

    pages = Environment(loader=FileSystemLoader(str(TEMPLATES / "pages")), autoescape=select_autoescape(["html", "j2"]))
    exp = exporter()
    for i, (lesson, nb) in enumerate(zip(lessons, notebooks)):
        neighbours = {
            "lesson": lesson,
            "count": len(lessons),
            "previous": lessons[i - 1] if i > 0 else None,
            "next": lessons[i + 1] if i + 1 < len(lessons) else None,
        }
        site = {
            "nav": pages.get_template("_nav.html.j2").render(here=lesson["stem"]),
            "pager": pages.get_template("_pager.html.j2").render(**neighbours),
        }
        page, resources = exp.from_notebook_node(nb, resources={"metadata": {"name": lesson["title"]}, "gradscope_site": site})
        page = link_lessons(page, stems)
        lesson["charts"] = resources["gradscope"]["charts"]
        lesson["sections"] = sections_of(page)
        (out / lesson["page"]).write_text(page, encoding="utf-8")
        print(f"  {lesson['page']}: {len(lesson['charts'])} chart(s), {len(lesson['objectives'])} objective(s), time: {lesson['time'] or 'not stated'}")

    if args.figures:
        gallery, source = gallery_from_figures(Path(args.figures), out, lessons), "figures"
    else:
        gallery, source = gallery_from_snapshots(out, lessons), "snapshots"
    search = [
        {"page": lesson["page"], "lesson": lesson["title"], "anchor": s["anchor"], "heading": s["heading"], "text": s["text"]}
        for lesson in lessons for s in lesson["sections"]
    ]
    (out / "assets" / "search-index.js").write_text(
        "window.GRADSCOPE_SEARCH = " + json.dumps(search, ensure_ascii=False).replace("</", "<\\/") + ";\n", encoding="utf-8")
    common = {"lessons": lessons, "total": total_time(lessons)}
    (out / "index.html").write_text(pages.get_template("home.html.j2").render(**common, here="home"), encoding="utf-8")
    (out / "gallery.html").write_text(pages.get_template("gallery.html.j2").render(**common, here="gallery", groups=gallery, source=source), encoding="utf-8")
    (out / "search.html").write_text(pages.get_template("search.html.j2").render(**common, here="search"), encoding="utf-8")
    print(f"  index.html, gallery.html ({sum(len(g['cards']) for g in gallery)} figures from {source}), search.html ({len(search)} sections)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
