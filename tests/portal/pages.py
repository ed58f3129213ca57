"""What the test portal publishes: which real corpus pages stand behind which URLs, and the listing pages.

The articles are real saved pages from ../shared/corpus/, read in place. Their expected title and time are
not written here: they come from the hand labels in zh_annotations.json, so a test compares feedd with
what a person read off the page, never with feedd's own output.

Listing pages are built to look like a crowded Chinese news portal: channel navigation, local-site menus,
breadcrumbs, a "热点排行" ranking and a "相关新闻" block linking to other articles, pagination, a footer, and
off-site links. Only the main list (`ul.news-list` / `div.notice-list`) holds the section's articles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
ROUNDS = 4
_CWCED = "chinese-web-content-extraction-dataset"
_MAGIC = "magic-html-benchmark"

# (section, round it appears in, corpus, file). Within a section, later rounds carry newer articles, the way
# a portal's list grows at the top. Round 4 adds nothing, so the fourth poll must see an unchanged listing.
_MAIN_LISTS: tuple[tuple[str, int, str, str], ...] = (
    ("politics", 1, _CWCED, "html/c4d032a1-45cd-4c77-a84e-90e2f8895039.html"),
    ("politics", 1, _CWCED, "html/9890f458-7af7-4e96-a507-6eb1b359d675.html"),
    ("politics", 1, _CWCED, "html/f70d9c97-9d64-415e-a7e4-840c9258eaf5.html"),
    ("politics", 1, "newspaper4k", "html/chinese_article_002.html"),
    ("politics", 1, _MAGIC, "html/4e55eac42f97a6d97d14795891d2e24b715bec8c057c592a81c3d7ca08aafa10.html"),
    ("politics", 2, _MAGIC, "html/14b709df543c9c22a524bd7e4989c463a5613d7c7b402b19ffc2826156a73b72.html"),
    ("politics", 2, _MAGIC, "html/1e20e0271231de85fba26cef6db2bedebf916402368a4602c5adb5b2acf722e1.html"),
    ("politics", 3, _MAGIC, "html/ea5bdb58d64b345dd80afd12651010fd442d4c8bdf45b540e61c4ff7c37fb30f.html"),
    ("politics", 3, _MAGIC, "html/090704b0cb2e2ae4e435507f38afe591b641a672afa133d7065f48992a444d9b.html"),
    ("world", 1, "gne", "html/detail__guancha__3.html"),
    ("world", 1, "gne", "html/detail__xinhuanet__1.html"),
    ("world", 1, "gne", "html/detail__huanqiu__1.html"),
    ("world", 1, "gne", "html/detail__cjn__1.html"),
    ("world", 1, _MAGIC, "html/2dd9425ba67be652e3e2f1dcc20797998897fe06008a80bf069338e3772494c8.html"),
    ("world", 2, _MAGIC, "html/e751800204690e100c8e8802128e886fbd6bf7360903dedc419a69246be2cb6a.html"),
    ("world", 2, _MAGIC, "html/a28ede747c822c44a927d649abc3073302cb1f6da099050f151f95dece6d42ae.html"),
    ("world", 3, _MAGIC, "html/fd0a94a0e3bc8c58f5f29464d9704583da51914abe528a14411de80ffffae785.html"),
    ("fortune", 1, _CWCED, "html/7c6d2080-5ab9-4385-9c0e-e1c8ed06efd3.html"),
    ("fortune", 1, _CWCED, "html/5acac71b-e2db-4e33-8e2f-9d6844f165fd.html"),
    ("fortune", 1, _CWCED, "html/33a95b71-b49b-42c1-9c0a-ab8e3feba3cf.html"),
    ("fortune", 2, _CWCED, "html/8cb7b39d-4a06-4cad-bc50-0f63304267f3.html"),
)

# Real articles of the portal that are not in any main list: the ranking and related blocks link to them.
_ELSEWHERE: tuple[tuple[str, str, str], ...] = (
    ("culture", _CWCED, "html/f51248cc-bb27-49ba-a159-975795c3ea11.html"),
    ("culture", "gne", "html/detail__people__1.html"),
    ("local", "gne", "html/detail__shanxi__1.html"),
    ("society", "gne", "html/detail__ifeng__1.html"),
    ("tech", _MAGIC, "html/83bd4dfc1e736b9a3885adc1ba5e74148b888887f494dc4e3f375a335e419a94.html"),
)

# Listed on the politics page under a path that robots.txt disallows: it must never be requested.
ROBOTS_DISALLOWED_PREFIX = "/politics/private/"
_DISALLOWED = (_CWCED, "html/93498c29-594f-4e98-a1e9-f34fa8706d7c.html")

# The politics article that answers 503 (Retry-After: 0) the first time it is asked for.
FLAKY_INDEX = 5

SECTION_TITLES = {"politics": "时政", "world": "国际", "fortune": "财经"}


@dataclass(frozen=True)
class ArticleSpec:
    """One real corpus page published under one portal path, with its hand-labelled title and time."""

    section: str
    round_added: int
    path: str
    file: Path
    title: str
    published: datetime
    encoding: str

    @property
    def content_type(self) -> str:
        # GB-family pages come with no charset in the header, as old portals serve them.
        if self.encoding.startswith("gb"):
            return "text/html"
        return f"text/html; charset={self.encoding}"


@dataclass(frozen=True)
class Catalogue:
    listed: tuple[ArticleSpec, ...]
    elsewhere: tuple[ArticleSpec, ...]
    disallowed: ArticleSpec

    def by_path(self) -> dict[str, ArticleSpec]:
        return {a.path: a for a in (*self.listed, *self.elsewhere, self.disallowed)}

    def section(self, section: str, upto_round: int = ROUNDS) -> tuple[ArticleSpec, ...]:
        """The section's main-list articles visible in a round, newest first as the page lists them."""
        visible = [a for a in self.listed if a.section == section and a.round_added <= upto_round]
        return tuple(sorted(visible, key=lambda a: a.published, reverse=True))

    @property
    def flaky(self) -> ArticleSpec:
        politics = sorted((a for a in self.listed if a.section == "politics"), key=lambda a: a.published)
        return politics[FLAKY_INDEX]


def _published(label: str) -> datetime:
    moment = datetime.fromisoformat(label)
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def _find(records: list[dict[str, object]], corpus: str, file: str) -> dict[str, object]:
    found = [r for r in records if r.get("corpus", corpus) == corpus and r["file"] == file]
    if len(found) != 1:
        raise LookupError(f"{corpus}/{file}: {len(found)} records")
    return found[0]


class _Labels:
    """zh_annotations.json and each corpus's ground_truth.json, read once."""

    def __init__(self, corpus_dir: Path) -> None:
        self.corpus_dir = corpus_dir
        self.annotations = json.loads((corpus_dir / "zh_annotations.json").read_text(encoding="utf-8"))
        self._truth: dict[str, list[dict[str, object]]] = {}

    def spec(self, section: str, round_added: int, serial: int, corpus: str, file: str) -> ArticleSpec:
        label = _find(self.annotations, corpus, file)
        truth = _find(self._ground_truth(corpus), corpus, file)
        published = _published(str(label["published"]))
        folder = section if section != "disallowed" else ROBOTS_DISALLOWED_PREFIX.strip("/")
        return ArticleSpec(
            section=section,
            round_added=round_added,
            path=f"/{folder}/{published:%Y-%m}/{published:%d}/c_{1130000000 + serial}.htm",
            file=self.corpus_dir / corpus / str(label["file"]),
            title=str(label["title"]),
            published=published,
            encoding=str(truth["encoding"]).lower(),
        )

    def _ground_truth(self, corpus: str) -> list[dict[str, object]]:
        if corpus not in self._truth:
            path = self.corpus_dir / corpus / "ground_truth.json"
            self._truth[corpus] = json.loads(path.read_text(encoding="utf-8"))
        return self._truth[corpus]


def load_catalogue(corpus_dir: Path) -> Catalogue:
    labels = _Labels(corpus_dir)
    listed = tuple(labels.spec(s, r, i, c, f) for i, (s, r, c, f) in enumerate(_MAIN_LISTS, start=1))
    elsewhere = tuple(labels.spec(s, 1, 500 + i, c, f) for i, (s, c, f) in enumerate(_ELSEWHERE))
    disallowed = labels.spec("disallowed", 1, 900, *_DISALLOWED)
    return Catalogue(listed=listed, elsewhere=elsewhere, disallowed=disallowed)


# ---- listing pages -----------------------------------------------------------------------------------

_CHANNELS = (
    ("高层", "gaoceng"), ("时政", "politics"), ("人事", "renshi"), ("国际", "world"),
    ("财经", "fortune"), ("网评", "comments"), ("港澳", "gangao"), ("台湾", "tw"),
    ("思客智库", "thinktank"), ("全球连线", "globe"), ("教育", "edu"), ("科技", "tech"),
    ("科普", "science"), ("体育", "sports"), ("文化", "culture"), ("书画", "shuhua"),
    ("健康", "health"), ("军事", "mil"), ("访谈", "talk"), ("视频", "video"),
    ("图片", "photo"), ("政务", "gov"), ("中央文件", "zywj"), ("金融", "money"),
    ("汽车", "auto"), ("食品", "food"), ("人居生活", "house"), ("信息化", "info"),
    ("数字经济", "digital"), ("学术中国", "academic"), ("乡村振兴", "xczx"), ("城市", "city"),
    ("旅游", "travel"), ("能源", "energy"), ("会展", "expo"), ("娱乐", "ent"),
    ("时尚", "fashion"), ("悦读", "book"), ("公益", "gongyi"), ("一带一路", "silkroad"),
)
_CITIES = (
    ("永川", "yongchuan"), ("吉安", "jian"), ("来宾", "laibin"), ("拉萨", "lasa"),
    ("通化", "tonghua"), ("四平", "siping"), ("安顺", "anshun"), ("滨州", "binzhou"),
    ("鹰潭", "yingtan"), ("白银", "baiyin"), ("肇庆", "zhaoqing"), ("齐齐哈尔", "qiqihaer"),
    ("绵阳", "mianyang"), ("邢台", "xingtai"), ("遵义", "zunyi"), ("阜阳", "fuyang"),
    ("江门", "jiangmen"), ("临汾", "linfen"), ("徐州", "xuzhou"), ("安阳", "anyang"),
)
_PRESS = (
    ("新华每日电讯", "http://mrdx.example-press.cn/"), ("经济参考", "http://jjckb.example-press.cn/"),
    ("瞭望", "http://lw.example-press.cn/"), ("半月谈", "http://www.example-banyuetan.cn/"),
    ("参考消息", "http://www.example-cankaoxiaoxi.cn/"), ("中国政府网", "https://www.gov.cn/"),
    ("中国文明网", "http://www.wenming.cn/"), ("中国互联网联合辟谣平台", "https://www.piyao.org.cn/"),
)
_LANGUAGES = (
    ("English", "english"), ("Español", "spanish"), ("Français", "french"), ("عربى", "arabic"),
    ("Русский язык", "russian"), ("日本語", "japan"), ("한국어", "korea"), ("Deutsch", "german"),
)


@dataclass(frozen=True)
class ListingStyle:
    """How one section's listing page is written and served; each section differs like real portals do."""

    encoding: str
    header_charset: bool  # charset in the Content-Type header
    meta_charset: str | None  # charset declared in <meta>, or none at all
    link_form: str  # "root" (/politics/...), "relative" (2024-05/...), "absolute" (http://host/...)
    date_format: str
    list_class: str


STYLES = {
    "politics": ListingStyle("utf-8", True, "utf-8", "root", "%Y-%m-%d", "news-list"),
    "world": ListingStyle("gb18030", False, "gb2312", "relative", "%Y/%m/%d", "news-list"),
    "fortune": ListingStyle("utf-8", False, None, "absolute", "[%Y-%m-%d]", "notice-list"),
}
LINK_SELECTORS = {
    "politics": "ul.news-list li a",
    "world": "ul.news-list li a",
    "fortune": "div.notice-list li a",
}


@dataclass(frozen=True)
class ListingPage:
    body: bytes
    content_type: str


def _href(path: str, section: str, style: ListingStyle, origin: str) -> str:
    if style.link_form == "relative" and path.startswith(f"/{section}/"):
        return path.removeprefix(f"/{section}/")
    if style.link_form == "absolute":
        return origin + path
    return path


def _navigation(section: str) -> str:
    languages = "".join(f'<a href="/{slug}/">{escape(name)}</a>' for name, slug in _LANGUAGES)
    press = "".join(f'<li><a href="{url}" target="_blank">{escape(name)}</a></li>' for name, url in _PRESS)
    cities = "".join(f'<li><a href="/local/{slug}/index.htm">{name}</a></li>' for name, slug in _CITIES)
    channels = "".join(
        f'<li class="{"active" if slug == section else ""}"><a href="/{slug}/">{name}</a></li>'
        for name, slug in _CHANNELS
    )
    return (
        '<div class="topbar"><a href="/about/">关于本网</a><span class="lang">'
        f"{languages}</span><a href=\"/search/?q=\">站内搜索</a><a href=\"/m/\">手机版</a></div>"
        f'<div class="topnav"><div class="press"><h4>新华报刊</h4><ul>{press}</ul></div>'
        f'<div class="local"><h4>地方频道</h4><ul>{cities}</ul></div></div>'
        f'<div class="logo"><a href="/"><img src="/static/logo.png" alt="测试门户"></a></div>'
        f'<ul class="channel-nav">{channels}</ul>'
    )


def _main_list(items: tuple[ArticleSpec, ...], section: str, style: ListingStyle, origin: str) -> str:
    rows = []
    for item in items:
        href = escape(_href(item.path, section, style, origin))
        day = item.published.strftime(style.date_format)
        if style.list_class == "notice-list":
            rows.append(f'<li><span class="time">{day}</span><a href="{href}" title="{escape(item.title)}">'
                        f"{escape(item.title)}</a></li>")
        else:
            rows.append(f'<li><a href="{href}" target="_blank">{escape(item.title)}</a>'
                        f'<span class="date">{day}</span></li>')
    joined = "\n".join(rows)
    if style.list_class == "notice-list":
        return f'<div class="notice-list"><ul>\n{joined}\n</ul></div>'
    return f'<ul class="news-list">\n{joined}\n</ul>'


def _sidebar(catalogue: Catalogue, section: str) -> str:
    """A ranking and a related block: article links of the portal that are not this section's list."""
    others = [a for a in catalogue.listed if a.section != section and a.round_added == 1][:3]
    ranked = (*catalogue.elsewhere[:3], *others)
    ranking = "".join(
        f'<li><span class="num">{n}</span><a href="{a.path}">{escape(a.title)}</a></li>'
        for n, a in enumerate(ranked, start=1)
    )
    related = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in catalogue.elsewhere[3:])
    return (
        f'<div class="side"><div class="rank"><h3>热点排行</h3><ol>{ranking}</ol></div>'
        f'<div class="related"><h3>相关新闻</h3><ul>{related}</ul></div>'
        '<div class="ad"><a href="http://ad.example-adnet.cn/click?id=42">'
        '<img src="/static/ad.jpg" alt="广告"></a></div>'
        "</div>"
    )


def _footer() -> str:
    return (
        '<div class="footer"><a href="/about/aboutus.htm">关于我们</a>'
        ' | <a href="/about/contact.htm">联系我们</a>'
        ' | <a href="/about/copyright.htm">版权声明</a> | <a href="/about/jobs.htm">招聘信息</a>'
        ' | <a href="https://www.12377.cn/">违法和不良信息举报</a>'
        "<p>Copyright © 2000-2024 测试门户 All Rights Reserved.</p>"
        '<p><a href="https://beian.miit.gov.cn/">京ICP备00000000号</a></p></div>'
    )


def render_listing(catalogue: Catalogue, section: str, round_: int, origin: str) -> ListingPage:
    """The section's listing page as served in a round; `origin` is e.g. http://127.0.0.1:8000."""
    style = STYLES[section]
    items = catalogue.section(section, round_)
    if section == "politics":
        items = tuple(sorted((*items, catalogue.disallowed), key=lambda a: a.published, reverse=True))
    title = SECTION_TITLES[section]
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={style.meta_charset}">'
    document = (
        "<!DOCTYPE html>\n<html><head>"
        f"{meta if style.meta_charset else ''}<title>{title}_测试门户</title>"
        '<meta name="keywords" content="新闻,时政,国际,财经"><link rel="stylesheet" href="/static/list.css">'
        f"</head><body>{_navigation(section)}"
        f'<div class="crumbs"><a href="/">首页</a> &gt; <a href="/{section}/">{title}</a> &gt; 正文列表</div>'
        f'<div class="local-menu"><a href="/{section}/">{title}首页</a><a href="/{section}/zt/">专题</a>'
        f'<a href="/{section}/photo/">图片</a><a href="/{section}/video/">视频</a></div>'
        f'<div class="main"><h2 class="column-title">{title}</h2>'
        f"{_main_list(items, section, style, origin)}"
        f'<div class="pages"><span>上一页</span><a href="/{section}/index.htm">1</a>'
        f'<a href="/{section}/index_2.htm">2</a><a href="/{section}/index_3.htm">3</a>'
        f'<a href="/{section}/index_2.htm">下一页</a></div></div>'
        f"{_sidebar(catalogue, section)}{_footer()}</body></html>\n"
    )
    content_type = f"text/html; charset={style.encoding}" if style.header_charset else "text/html"
    return ListingPage(body=document.encode(style.encoding), content_type=content_type)
