"""The report's style sheet: the page on screen, and the same page printed on A4.

Printing follows the browser's default settings: charts are SVG shapes (not
CSS backgrounds, which browsers leave out of print by default); table headers
repeat on each page; no table row, chart or card is cut by a page break;
headings stay with what follows them; screen-only parts (``.screen-only``)
are hidden.
"""

from __future__ import annotations

__all__ = ["CSS"]

_SCREEN = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC","Source Han Sans SC",sans-serif;margin:0;
color:#222;background:#fafafa;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:16px 24px;background:white}
h1{font-size:24px;margin:8px 0}h2{font-size:19px;border-bottom:2px solid #1d5fa8;padding-bottom:4px;margin-top:28px}
h3{font-size:15px;margin:16px 0 6px}h4{font-size:14px;margin:12px 0 4px}
table{border-collapse:collapse;font-size:13px;width:100%;margin:6px 0}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f0f4f8}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}
table.fixed{table-layout:fixed}
.met{color:#1a7f37;font-weight:bold}.notmet{color:#c62828;font-weight:bold}.na{color:#888}
.banner{background:#fff3cd;border:1px solid #e0b252;color:#7a4d00;padding:8px 12px;border-radius:4px;font-weight:bold}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{flex:1;min-width:160px;border:1px solid #ddd;border-radius:6px;padding:10px}
.card .big{font-size:26px;font-weight:bold}.muted{color:#666;font-size:12px}
figure.chart{margin:8px 0 14px}figure.chart figcaption{font-size:13px;margin-bottom:4px}
svg.chart{display:block;max-width:100%;height:auto}
.est{color:#7a4d00;font-size:11px;white-space:nowrap}
.reasons{font-weight:bold}.detail{font-size:12px;color:#333}
.detail ul{margin:0;padding-left:0.9em}
tr.changed td{background:#eef7ee}
.mapfig img{display:block;max-width:min(100%,760px);height:auto;border:1px solid #ccc;margin:0 auto}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin:4px 0}
.legend span{white-space:nowrap}.legend svg{vertical-align:middle;margin-right:3px}
.sources{font-size:12px}.sources li{margin:2px 0}
"""

_PRINT = """
@page{size:A4;margin:14mm 12mm 14mm 12mm}
@media print{
body{background:white;font-size:10pt}
main{max-width:none;margin:0;padding:0}
h1{font-size:18pt}h2{font-size:13pt;margin-top:14pt}h3{font-size:11pt}h4{font-size:10pt}
h2,h3,h4,figcaption{break-after:avoid;page-break-after:avoid}
.card{min-width:0;padding:6px 8px}.card .big{font-size:16pt}
.mapfig img{max-height:150mm;width:auto;margin:0 auto}
table{font-size:8.5pt;line-height:1.3}th,td{padding:2px 4px}
thead{display:table-header-group}tfoot{display:table-footer-group}
tr,figure,svg,.card,.banner,.mapfig,.legend{break-inside:avoid;page-break-inside:avoid}
.detail{font-size:7.5pt}.muted{font-size:8pt}
.screen-only{display:none}
.banner,th,tr.changed td{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

#: The report's style sheet (screen, then print).
CSS = _SCREEN + _PRINT
