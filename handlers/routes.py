"""The route table: every command, keyword and button payload, readable top to bottom."""

from __future__ import annotations

from handlers import (
    activities,
    broadcasts,
    hours,
    needs,
    office,
    organizations,
    person_requests,
    privacy,
    proposals,
    relay,
    reports,
    start,
    tasks,
    understanding,
    volunteers,
)
from handlers.core.dialogs import Flow
from handlers.core.dispatcher import Command, PayloadHandler, Routes

FLOWS: dict[str, Flow] = {flow.name: flow for flow in (start.START, start.LANG)}
FLOWS |= {f.name: f for f in (proposals.PROPOSE, proposals.DECIDE, proposals.PROGRESS)}
FLOWS |= {f.name: f for f in (needs.NEED, needs.VISIT, needs.COMMENT)}
FLOWS |= {f.name: f for f in (reports.REPORT, reports.ACTION, reports.DISPUTE, reports.COMMENT)}
FLOWS[broadcasts.BROADCAST.name] = broadcasts.BROADCAST
FLOWS |= {f.name: f for f in (volunteers.VOLUNTEER, organizations.ORG_NEW, hours.HOURS_FIX)}
FLOWS |= {f.name: f for f in (activities.NEW, activities.CHECKIN, activities.CLOSE)}
FLOWS[tasks.TASK_CANCEL.name] = tasks.TASK_CANCEL
FLOWS |= {f.name: f for f in (privacy.FORGET, privacy.SENSITIVE)}
FLOWS |= {
    f.name: f for f in (understanding.UNDERSTOOD, person_requests.HUMAN, person_requests.ANSWER)
}

COMMANDS: dict[str, Command | Flow] = {
    "start": start.START,
    "help": start.show_help,
    "lang": start.LANG,
    "me": start.show_me,
    "propose": proposals.PROPOSE,
    "cosign": proposals.cosign_command,
    "proposals": proposals.list_proposals,
    "proposal": proposals.show_proposal,
    "agenda": proposals.show_agenda,
    "decide": proposals.DECIDE,
    "progress": proposals.PROGRESS,
    "confirm": proposals.confirm_command,
    "dispute": proposals.dispute_command,
}
COMMANDS |= {
    "need": needs.NEED,
    "needs": needs.list_mine,
    "need_status": needs.show,
    "needs_open": needs.list_open,
    "visit": needs.VISIT,
}
COMMANDS |= {
    "report": reports.REPORT,
    "reports": reports.list_mine,
    "report_status": reports.show,
    "reports_grid": reports.list_grid,
    "reports_street": reports.list_street,
}
COMMANDS |= {
    "broadcast": broadcasts.BROADCAST,
    "broadcast_status": broadcasts.show_status,
    "broadcast_cancel": broadcasts.cancel_broadcast,
}
COMMANDS |= {
    "volunteer": volunteers.volunteer,
    "volunteer_edit": volunteers.edit_profile,
    "pause": volunteers.pause,
    "resume": volunteers.resume,
    "org_new": organizations.ORG_NEW,
    "orgs": organizations.list_orgs,
    "hours": hours.show_hours,
    "hours_fix": hours.HOURS_FIX,
    "hours_review": hours.review,
}
COMMANDS |= {
    "activities": activities.list_activities,
    "activity_new": activities.NEW,
    "activity_leave": activities.leave_command,
    "activity_confirm": activities.confirm_command,
    "activity_close": activities.close_command,
    "checkin": activities.checkin_command,
    "mobilize": activities.mobilize_command,
}
COMMANDS |= {
    "tasks": tasks.list_tasks,
    "task_done": tasks.task_done_command,
    "task_cancel": tasks.TASK_CANCEL,
    "dispatch": tasks.dispatch_command,
}
COMMANDS |= {
    "mydata": privacy.export_data,
    "forget": privacy.FORGET,
    "phone": privacy.set_phone,
    "sensitive_consent": privacy.SENSITIVE,
}
COMMANDS["office"] = office.office_command
COMMANDS |= relay.COMMANDS
FLOWS |= relay.FLOWS

# Words that start a flow on channels without a command menu (WeChat keywords, the console).
KEYWORDS = {
    "帮助": "help",
    "help": "help",
    "菜单": "help",
    "开始": "start",
    "注册": "start",
    "语言": "lang",
    "language": "lang",
    "我的": "me",
    "我的信息": "me",
    "提案": "propose",
    "我要提案": "propose",
    "提案列表": "proposals",
    "我的提案": "proposals",
    "议程": "agenda",
}
KEYWORDS |= {
    "需求": "need",
    "服务需求": "need",
    "我要求助": "need",
    "我的需求": "needs",
    "入户收集": "visit",
    "入户": "visit",
}
KEYWORDS |= {
    "报事": "report",
    "我要报事": "report",
    "我的报事": "reports",
    "网格报事": "reports_grid",
}
KEYWORDS |= {"通知": "broadcast", "发通知": "broadcast", "通知进度": "broadcast_status"}
KEYWORDS |= {
    "志愿者": "volunteer",
    "我要当志愿者": "volunteer",
    "暂停接单": "pause",
    "恢复接单": "resume",
    "服务时长": "hours",
    "我的时长": "hours",
    "社会组织": "orgs",
}
KEYWORDS |= {
    "活动": "activities",
    "志愿活动": "activities",
    "报名活动": "activities",
    "发起活动": "activity_new",
    "取消报名": "activity_leave",
    "确认参加": "activity_confirm",
    "签到": "checkin",
    "check in": "checkin",
}
KEYWORDS |= {"任务": "tasks", "我的任务": "tasks"}
KEYWORDS |= {
    "我的数据": "mydata",
    "导出数据": "mydata",
    "注销": "forget",
    "删除我的数据": "forget",
    "手机号": "phone",
    "敏感信息": "sensitive_consent",
}
# The short words WeChat users type (the menu covers the rest).
KEYWORDS |= {"附议": "cosign", "时长": "hours"}
KEYWORDS |= {"工作台": "office"}
KEYWORDS |= relay.KEYWORDS

# Free text outside a flow, and talking to a person (转人工).
COMMANDS |= {
    "understand": understanding.understand,
    "human": person_requests.HUMAN,
    "answer": person_requests.answer_command,
    "asked": person_requests.list_open,
}
KEYWORDS |= {"转人工": "human", "人工": "human", "人工服务": "human", "确认": "confirm"}

PAYLOADS: dict[str, PayloadHandler] = {
    "cosign": proposals.cosign_button,
    "confirm": proposals.confirm_button,
    "dispute": proposals.dispute_button,
}
PAYLOADS |= {"needcancel": needs.cancel, "needrate": needs.rate}
PAYLOADS |= {
    "rack": reports.acknowledge,
    "rnote": reports.add_note,
    "rclose": reports.close,
    "rbeyond": reports.flag_beyond,
    "rrate": reports.rate,
    "rdispute": reports.dispute,
}
PAYLOADS |= {"hours_ok": hours.approve, "hours_no": hours.reject}
PAYLOADS["act"] = activities.on_button
PAYLOADS["pans"] = person_requests.answer_button
PAYLOADS |= {
    "offer": tasks.answer_offer,
    "taskdone": tasks.mark_done,
    "taskok": tasks.confirm,
    "taskbad": tasks.dispute,
}
PAYLOADS |= relay.PAYLOADS


def build_routes() -> Routes:
    """The routes the dispatcher serves."""
    return Routes(
        commands=dict(COMMANDS), flows=dict(FLOWS), keywords=dict(KEYWORDS), payloads=dict(PAYLOADS)
    )
