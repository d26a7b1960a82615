#!/usr/bin/env python3
"""Write N synthetic legacy posts in the real Jekyll format, for scale tests.

usage: python bench/make_corpus.py N OUT_DIR [--seed 1]

The posts mimic the archive: about a third are rolling news (category emnews,
a "> digest" blockquote), the rest source posts from several publications; one
story in ten exists as both kinds with the same id; bodies carry EastMoney stock
widgets, inline stock spans, an em_media source line, an autolink and the old
navigation footer. Text is generated, not copied.
"""

import argparse
import random
from datetime import datetime, timedelta
from pathlib import Path

PUBLICATIONS = [
    ("zhengquanribao", "证券日报"),
    ("shanghaizhengquanbao", "上海证券报"),
    ("cailianshe", "财联社"),
    ("meirijingjixinwen", "每日经济新闻"),
    ("21shijijingjibaodao", "21世纪经济报道"),
    ("zhongguozhengquanbao", "中国证券报"),
]
STOCKS = [
    (1, "600519", "贵州茅台"), (1, "601318", "中国平安"), (1, "688981", "中芯国际"),
    (0, "300750", "宁德时代"), (0, "000333", "美的集团"), (0, "002594", "比亚迪"),
    (116, "00700", "腾讯控股"), (116, "09866", "蔚来-SW"), (116, "09988", "阿里巴巴-SW"),
    (105, "AAPL", "苹果"), (105, "BIDU", "百度"), (106, "NIO", "蔚来"), (106, "BABA", "阿里巴巴"),
    (90, "BK1037", "消费电子"), (90, "BK0473", "证券"),
]  # fmt: skip
TOPICS = ["新能源汽车", "半导体", "消费复苏", "银行理财", "光伏", "医药集采", "房地产", "跨境电商"]
VERBS = ["持续回暖", "震荡走高", "承压回落", "获资金关注", "迎来政策利好", "业绩超预期"]
SENTENCES = [
    "分析人士认为，{t}板块估值处于历史低位，中长期配置价值逐步显现。",
    "数据显示，{t}相关企业一季度营收同比增长，盈利能力明显改善。",
    "业内人士表示，随着政策落地，{t}行业有望迎来新一轮发展机遇。",
    "多家机构发布研报称，{t}产业链景气度有望延续，建议关注龙头公司。",
    "记者从多方了解到，{t}领域的市场竞争日趋激烈，行业集中度进一步提升。",
]


def widget(market, code):
    kind = {0: 0, 1: 1, 116: 5, 105: 7, 106: 7, 90: 1}[market]
    return (
        '<p style="display:none;height:1px;overflow:hidden;"><br /></p><!-- EM_StockImg_Start -->'
        f'<p style="text-align:center;"><a href="http://quote.eastmoney.com/unify/r/{market}.{code}"'
        f' data-code="{code}|{market}|{kind}" class="EmImageRemark" target="_blank">'
        f'<img src="https://webquoteklinepic.eastmoney.com/GetPic.aspx?nid={market}.{code}'
        f'&imageType=k&token=0" border="0" alt="K图 {code}_0" data-code="K {code}|{market}|{kind}"'
        ' width="578" height="276" /></a></p><!-- EM_StockImg_End -->'
    )


def inline(market, code, name):
    return (
        f'<span id="stock_{market}.{code}"><a href="http://quote.eastmoney.com/unify/r/{market}.{code}"'
        f' class="keytip" data-code="{market},{code}">{name}</a></span>'
        f'<span id="quote_{market}.{code}"></span>'
    )


def body(rng, topic, source):
    picks = rng.sample(STOCKS, 2)
    parts = [widget(*picks[0][:2])]
    for i in range(rng.randint(3, 8)):
        text = rng.choice(SENTENCES).format(t=topic)
        if i == 1:
            text = text.replace("企业", f"企业{inline(*picks[1])}", 1)
        parts.append(f"<p>{text}</p>")
    parts.append(f'<p class="em_media">（文章来源：{source}）</p>')
    return "".join(parts), [picks[0], picks[1]]


def post(rng, when, story, rolling, pub):
    slug, name = ("emnews", "东财滚动新闻") if rolling else pub
    topic = rng.choice(TOPICS)
    title = f"{topic}{rng.choice(VERBS)} 机构看好后市表现（{story % 1000}）"
    html, _ = body(rng, topic, pub[1])
    front = (
        f'---\nlayout: post\ntitle: "{title}"\ndate: {when:%Y-%m-%d %H:%M:%S} +0800\n'
        f"categories: {slug}\ntags: {name if rolling else name + '新闻'}\n---\n"
    )
    if rolling:
        text = (
            f"> {topic}{rng.choice(VERBS)}，{rng.choice(SENTENCES).format(t=topic)}（{pub[1]}）\n\n"
            f"{html}\n\n<http://finance.eastmoney.com/news/1354,{story}.html>\n\n"
            "[返回东财滚动新闻](//finews.withounder.com/emnews/)｜[返回首页](//finews.withounder.com/)\n"
        )
        return f"{when:%Y-%m-%d}-{story}.md", front + text
    text = (
        f"{html}\n\n<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW{story}>\n\n"
        f"[返回{pub[1]}新闻](//finews.withounder.com/category/{pub[0]}.html)｜"
        "[返回首页](//finews.withounder.com/)\n"
    )
    return f"{when:%Y-%m-%d}-NW{story}.md", front + text


def generate(n: int, out: Path, seed: int = 1) -> int:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    start = datetime(2021, 12, 1, 8, 0, 0)
    written = 0
    i = 0
    while written < n:
        when = start + timedelta(minutes=17 * i)
        story = int(f"{when:%Y%m%d}") * 10**10 + 2_200_000_000 + i
        pub = PUBLICATIONS[i % len(PUBLICATIONS)]
        kinds = [True, False] if i % 10 == 0 else [i % 3 == 0]
        for rolling in kinds:
            if written >= n:
                break
            name, text = post(rng, when, story, rolling, pub)
            folder = out / f"{when:%Y-%m}"
            folder.mkdir(exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
            written += 1
        i += 1
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"wrote {generate(args.n, args.out, args.seed)} posts to {args.out}")


if __name__ == "__main__":
    main()
