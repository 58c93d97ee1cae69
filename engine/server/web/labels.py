"""The web app's own words, zh-CN and en, in one small dict per language (to move to the i18n catalogs when
`engine/i18n.py` lands), and which language a request gets."""

from __future__ import annotations

from starlette.requests import Request

EN = {
    "app": "procflow",
    "sign_in": "Sign in",
    "sign_out": "Sign out",
    "person": "Person",
    "password": "Password",
    "board": "Pipeline board",
    "process": "Process",
    "state": "State",
    "stage": "Stage",
    "deadlines": "Deadlines",
    "timeline": "Timeline",
    "documents": "Documents",
    "forms": "Documents you may submit now",
    "moves": "Moves",
    "act_as": "Acting as role",
    "act_as_note": "one of the roles the team directory grants you",
    "show": "Show",
    "submit": "Submit",
    "fire": "Do it",
    "not_now": "Not now",
    "add_row": "Add a row",
    "remove_row": "Remove",
    "required": "required",
    "version": "version",
    "view": "view",
    "audit": "Audit",
    "verify": "Verify",
    "verify_ok": "The history verifies: every event's hash chains to the one before.",
    "verify_bad": "The history does NOT verify",
    "separation": "Separation of duties",
    "held": "held",
    "broken": "broken",
    "start": "Start a case",
    "cases": "cases",
    "stale": "stale",
    "amount": "amount",
    "due": "due",
    "open": "open",
    "none": "none",
    "fix_errors": "The document was not saved; fix the fields marked below.",
    "refused": "Refused",
    "versions": "Versions",
    "handbook": "Handbook",
    "diagram": "Diagram",
    "event": "Event",
    "who": "Who",
    "when": "When",
    # --- the overview pages (board filters, process, review, team admin) ---
    "scope": "Show",
    "scope_mine": "mine",
    "scope_team": "my team",
    "scope_all": "all",
}

ZH = {
    "app": "procflow",
    "sign_in": "登录",
    "sign_out": "退出",
    "person": "用户",
    "password": "密码",
    "board": "销售漏斗看板",
    "process": "流程",
    "state": "状态",
    "stage": "阶段",
    "deadlines": "时限",
    "timeline": "时间线",
    "documents": "文档",
    "forms": "现在可提交的文档",
    "moves": "操作",
    "act_as": "以角色身份操作",
    "act_as_note": "人员目录授予您的角色之一",
    "show": "显示",
    "submit": "提交",
    "fire": "执行",
    "not_now": "暂不可执行",
    "add_row": "添加一行",
    "remove_row": "删除",
    "required": "必填",
    "version": "版本",
    "view": "查看",
    "audit": "审计",
    "verify": "校验",
    "verify_ok": "历史校验通过：每个事件的哈希都与前一个事件相链。",
    "verify_bad": "历史校验未通过",
    "separation": "职责分离",
    "held": "已遵守",
    "broken": "被违反",
    "start": "新建案例",
    "cases": "个案例",
    "stale": "停滞",
    "amount": "金额",
    "due": "截止",
    "open": "进行中",
    "none": "无",
    "fix_errors": "文档未保存；请修正下面标出的字段。",
    "refused": "被拒绝",
    "versions": "版本",
    "handbook": "手册",
    "diagram": "流程图",
    "event": "事件",
    "who": "操作人",
    "when": "时间",
    # --- 概览页面（看板筛选、流程、复盘、团队管理）---
    "scope": "范围",
    "scope_mine": "我的",
    "scope_team": "我的团队",
    "scope_all": "全部",
}

LABELS = {"en": EN, "zh-CN": ZH}


def locale_of(request: Request) -> str:
    """`?lang=` first, then the browser's Accept-Language (the person's setting, once people have settings)."""
    asked = request.query_params.get("lang") or ""
    if asked in LABELS:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "en"
