"""The planner's log messages in the run's language: a logging filter with the Chinese of every message.

The library logs in English (``logger.info("coverage: %d settlements, %d
under-served", ...)``), so a developer greps one language.  A Chinese run
shows the same records in Chinese: :class:`TranslatedFormatter`, the
formatter the ``planner`` command puts on its handler, looks the record's
format string up in :data:`LOG_MESSAGES` and formats the Chinese one with the
same arguments (a tier key among them reads as its label, 县级).
A message without an entry stays English; ``tests/test_logtext.py`` checks
that every INFO/WARNING/ERROR message of the package has one and that no
entry is stale.

A library user gets the same with::

    handler.setFormatter(TranslatedFormatter("%(levelname)s %(name)s: %(message)s", lang="zh"))
"""

from __future__ import annotations

import logging

from planner.i18n import check_lang, label

__all__ = ["LOG_MESSAGES", "TranslatedFormatter", "translate_message", "COMPILE_NOTICE"]

#: Told before the first run compiles the routing kernels (numba), which then stay cached on disk: (zh, en).
COMPILE_NOTICE = ("首次运行需编译路径算法（约 40 秒，视电脑而定），之后会缓存，不再等待",
                  "First run: compiling the routing algorithms (about 40 s depending on the computer); they are "
                  "cached afterwards")

#: English format string -> Chinese format string (same placeholders, same order).
LOG_MESSAGES: dict[str, str] = {
    "splitting the study into %d counties, roads clipped %.1f km around each":
        "研究区分为 %d 个县（市、区）分别计算，各县道路按外扩 %.1f 公里裁切",
    "routing graph of profile %r: roads within %.1f km of the county":
        "出行方式 %r 的路网：取县界外扩 %.1f 公里以内的道路",
    "%d settlement(s) lie in no county of the county layer and are not analysed: %s":
        "%d 个村/社区不在县级边界图层的任何县内，未参与分析：%s",
    "%d facility(ies) lie in no county of the county layer and serve only the tiers in execution.cross_border: %s":
        "%d 个设施不在县级边界图层的任何县内，只为 execution.cross_border 所列层级服务：%s",
    "summary of %d counties written to %s": "%d 个县的汇总已写入 %s",
    "summary report written to %s": "汇总报告已写入 %s",
    "overview map written to %s (%.1f MB)": "全域概览地图已写入 %s（%.1f MB）",
    "the study's %d counties are those of %s in the packaged reference data":
        "研究区的 %d 个县（市、区）取自内置参考数据中的%s",
    "starting a local Dask cluster: %d worker(s), one thread each, memory limit %s per worker":
        "启动本机 Dask 集群：%d 个工作进程，每个单线程，每个内存上限 %s",
    "connecting to the Dask scheduler at %s": "连接 Dask 调度器 %s",
    "Dask dashboard: %s": "Dask 监控页面：%s",
    "county %s failed after %d retry(ies): %s": "县 %s 重试 %d 次后仍失败：%s",
    "planner init: %s": "初始化研究（planner init）：%s",
    "%d units share a name with another unit of the county and were not matched":
        "%d 个单位与本县其他单位同名，未匹配坐标",
    "isochrone bands: no routing graph for profile %s; bands of %s skipped":
        "等时圈：出行方式 %s 没有路网图，跳过 %s 的等时圈",
    "report map figure left out: %s": "报告中的地图插图未生成：%s",
    "geocoding %r with %s (timeout %g s)": "正在地理编码 %r（服务器 %s，超时 %g 秒）",
    "downloading OSM places for %.0f km² from %s (timeout %g s)":
        "正在下载 %.0f 平方公里内的 OSM 地名（服务器 %s，超时 %g 秒）",
    "%s: no answer from %s (%s); retry %d of %d in %g s": "%s：服务器 %s 无应答（%s）；第 %d/%d 次重试，%g 秒后开始",
    "downloading roads for %.0f km² from %s in %d request(s), timeout %g s; cache %s":
        "正在下载 %.0f 平方公里的道路（服务器 %s，分 %d 次请求，超时 %g 秒）；缓存 %s",
    "downloading roads of %r (timeout %g s); cache %s": "正在下载 %r 的道路（超时 %g 秒）；缓存 %s",
    "%s: OSM objects left out by the elderly-care rule: %s": "%s：不符合养老设施规则而未采用的 OSM 对象：%s",
    "accessibility (%s) of %d settlements at %d tiers in %.2f s": "可达性（%s）：%d 个村/社区，%d 个层级，用时 %.2f 秒",
    "scenario %r: %d settlements, %d under-served": "情景 %r：%d 个村/社区，服务不足 %d 个",
    "scenario %r did not run: %s": "情景 %r 未能运行：%s",
    "township assignment: HiGHS stopped early (%s); keeping the best solution found":
        "区域中心分配：HiGHS 求解器提前停止（%s），采用已找到的最好解",
    "township assignment: %d settlements, %d centres, %d within, %d spilled, %d unreachable, %d centres over":
        "区域中心分配：%d 个村/社区，%d 个中心；本乡镇内分配 %d 个，跨乡镇分配 %d 个，无法到达 %d 个；超负荷中心 %d 个",
    "catchments: %d assigned settlements drawn with a straight line to their centre (route not found in the search)":
        "服务片区：%d 个已分配的村/社区以直线连到其中心（搜索中未找到路线）",
    "service circles skipped: planner.analysis.circles is not available (%s)":
        "未绘制服务圈：planner.analysis.circles 不可用（%s）",
    "%d of %d facilities are too far from a usable road: empty circle, reason NO_ROAD":
        "%d / %d 个设施离可用道路太远：服务圈为空，原因 NO_ROAD（无道路）",
    "coverage: %d settlements, %d under-served": "覆盖分析：%d 个村/社区，其中服务不足 %d 个",
    "%d %s-tier facilities are too far from a usable road and reach nobody":
        "%d 个%s设施离可用道路太远，无法服务任何村/社区",
    "tier %s: %d facilities": "%s：%d 个设施",
    "tier %s (%s): %d settlements are trapped behind one-way roads that run to %d node(s) where the road file "
    "stops short here: %s. Use a road extract reaching farther (or a buffer around the study area) so those roads "
    "go on.":
        "%s（%s）：%d 个村/社区被单行道困住，这些单行道通向 %d 个路网文件在此截断的节点：%s。"
        "请使用范围更大的路网数据（或在研究区外加缓冲区），使这些道路得以延续。",
    "built routing graph for profile %r": "已建立出行方式 %r 的路径图",
    "loaded study %s: %d facilities, %d settlements, %d problems":
        "已读取研究区 %s：%d 个设施，%d 个村/社区，%d 个数据问题",
    "demo county written to %s: %s": "示范县数据已写入 %s：%s",
    "villages left without a road link: %s": "以下村没有道路连接：%s",
    "%s: %d elderly-care facilities; candidates left out: %s": "%s：%d 个养老设施；未采用的候选：%s",
    "%s: %d matching objects placed; left out or partial: %s": "%s：已定位 %d 个匹配对象；未采用或不完整：%s",
    "%s, column %s: %d cell(s) longer than Excel's %s characters were cut (longest %s)":
        "%s，第 %s 列：%d 个单元格超过 Excel 上限 %s 个字符，已截断（最长 %s）",
    "%s, column %s: %d cell(s) starting like a formula written as text with a leading '":
        "%s，第 %s 列：%d 个以公式字符开头的单元格已加前导 ' 按文本写出",
    "removing the stale lock %s of a run that is no longer running (pid %s, started %s)":
        "删除已结束运行遗留的锁文件 %s（进程 %s，开始于 %s）",
    "%s holds outputs of a run killed while moving its files into place; the folder may mix two runs: this run "
    "replaces them. Removing %s":
        "%s 中有一次在移动文件时被中止的运行留下的输出，文件夹可能混有两次运行的结果：本次运行将替换它们。正在删除 %s",
    "%s: %d road pieces for profile %r; the largest has %d of %d nodes":
        "%s：出行方式 %r 的道路分成 %d 块；最大一块有 %d / %d 个节点",
    "road network downloaded and cached as %s": "路网已下载并缓存为 %s",
    "road network from cache %s": "路网取自缓存 %s",
    "%s: %d nodes, %d segments from %d ways in %.1f s; dropped %s":
        "%s：%d 个节点，%d 条路段（来自 %d 条道路），用时 %.1f 秒；舍弃 %s",
    "loaded %d facilities and %d settlements": "已读取 %d 个设施和 %d 个村/社区",
    "outputs written to %s": "输出已写入 %s",
    "siting of the %s tier did not finish: %s": "%s选址未完成：%s",
    "township coverage layer: %d of %d townships have no boundary and are drawn as the hull of their settlements":
        "乡镇覆盖图层：%d / %d 个乡镇/街道没有边界，以所辖村/社区的凸包示意",
    "allocation lines: %d settlement links without a reachable facility are not drawn":
        "分配连线：%d 条因无可达设施未画出",
    "map written to %s (%.1f MB)": "地图已写入 %s（%.1f MB）",
    "%s: %d points, median distance to a road %.0f m as %s; as %s":
        "%s：%d 个点，按 %s 坐标到道路的中位距离 %.0f 米；按 %s",
    "... %d more problems with the points against the road network (see the report)":
        "……另有 %d 个点位与路网不符的问题（见报告）",
    "merged %d parallel arcs (kept the fastest of each pair of nodes)":
        "合并了 %d 条平行路段（每对节点间保留最快的一条）",
    "%d facilities are not near any usable road and were not used": "%d 个设施附近没有可用道路，未参与计算",
    "%d of %d points are farther than max_snap_m from any road usable by profile %r":
        "%d / %d 个点离出行方式 %r 可用的道路超过 max_snap_m",
    "stopped looking for cut roads after %d node visits (%d points left)":
        "查找断头路在访问 %d 个节点后停止（剩余 %d 个点）",
    "coverage curve did not finish (%s)": "覆盖曲线未完成（%s）",
    "siting %s/%s: %d new sites, status %s, gap %.4f, %.2f s":
        "选址 %s/%s：新增 %d 处，求解状态 %s，最优性差距 %.4f，用时 %.2f 秒",
    "%d settlements have no older-population figure and count as 0 in siting":
        "%d 个村/社区没有老年人口数，选址时按 0 计",
    COMPILE_NOTICE[1]: COMPILE_NOTICE[0],
    "accessibility of the cross-border tiers counts the older people within %.1f km beyond each county":
        "跨县服务层级的可达性计入各县界外 %.1f 公里以内的老年人口（需求）",
}

#: Messages whose Chinese puts the arguments in another order: English format -> argument order.
_ORDER: dict[str, tuple[int, ...]] = {
    "%s: %d road pieces for profile %r; the largest has %d of %d nodes": (0, 2, 1, 3, 4),
    "%s: %d points, median distance to a road %.0f m as %s; as %s": (0, 1, 3, 2, 4),
}
_TIERS = ("county", "township", "community")


def translate_message(msg: str, args: tuple, lang: str) -> tuple[str, tuple]:
    """The format string and arguments of a log message in ``lang``.

    Parameters
    ----------
    msg : str
        The English format string (``record.msg``).
    args : tuple
        Its arguments (``record.args``).
    lang : {"zh", "en"}

    Returns
    -------
    tuple
        (format string, arguments); unchanged for English or a message without a translation.
    """
    if check_lang(lang) == "en" or not isinstance(msg, str) or msg not in LOG_MESSAGES:
        return msg, args
    if isinstance(args, tuple):
        order = _ORDER.get(msg)
        args = tuple(args[i] for i in order) if order and len(order) == len(args) else args
        args = tuple(label(a, "zh") if isinstance(a, str) and a in _TIERS else a for a in args)
    return LOG_MESSAGES[msg], args


class TranslatedFormatter(logging.Formatter):
    """A logging formatter that writes the planner's records in ``lang``.

    The record itself is left as it is (other handlers still see the English); the planner's
    messages with an entry in :data:`LOG_MESSAGES` are written in Chinese when ``lang="zh"``.

    Parameters
    ----------
    fmt : str, optional
        As for :class:`logging.Formatter`.
    lang : {"zh", "en"}
    """

    def __init__(self, fmt: str | None = None, *, lang: str = "zh") -> None:
        super().__init__(fmt)
        self.lang = check_lang(lang)

    def format(self, record: logging.LogRecord) -> str:  # noqa: A003 - logging's name
        """The record written in ``lang``."""
        if self.lang == "en" or not record.name.startswith("planner") or record.msg not in LOG_MESSAGES:
            return super().format(record)
        copy = logging.makeLogRecord(record.__dict__)
        copy.msg, copy.args = translate_message(record.msg, record.args, self.lang)
        return super().format(copy)
