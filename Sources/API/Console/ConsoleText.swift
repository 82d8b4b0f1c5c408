/// The console's words: Chinese (zh-CN) first, English on request (`?lang=en`, remembered
/// in a cookie). Templates read them as `{{t.key}}`.
enum ConsoleLanguage: String, Sendable {
    case zh = "zh-CN"
    case en

    var text: [String: String] { self == .zh ? ConsoleText.zh : ConsoleText.en }
}

enum ConsoleText {
    static let zh: [String: String] = [
        "app": "教育数据中台 · 数据服务控制台",
        "overview": "数据概览", "quality": "数据质量", "dags": "任务调度", "quarantine": "隔离区", "freshness": "数据时效",
        "logout": "退出登录", "login": "登录", "token": "访问令牌", "login_hint": "请输入 hubctl api client create 生成的访问令牌。",
        "login_failed": "令牌无效、已撤销或已过期。",
        "client": "当前用户", "level": "层级", "region": "地区", "code": "代码", "name": "名称",
        "enrollment": "在籍学生", "teachers": "在职教师", "attendance_rate": "出勤率", "latest_day": "最近日期",
        "by_grade_gender": "按年级与性别的在籍学生", "grade": "年级", "male": "男", "female": "女", "unspecified": "未说明",
        "total": "合计", "children_city": "各市", "children_county": "各县（市、区）", "children_school": "各学校",
        "attendance_trend": "出勤率趋势（最近 30 天）", "drill": "下钻",
        "suppressed": "已抑制", "suppression_note": "小于 k 的计数已按小单元格抑制规则隐藏（k = %k%），并做了补充抑制。",
        "exact_note": "运维人员可见精确数值。",
        "province": "省", "city": "市", "county": "县（市、区）", "school": "学校", "operator": "运维",
        "no_data": "暂无可见数据。", "forbidden": "无权访问此页面。",
        "scores": "各维度质量得分", "dimension": "维度", "score": "得分", "checked": "检查数", "failed": "不合格数",
        "quality_trend": "质量得分趋势", "worst_schools": "得分最低的学校", "failing_monitors": "未通过的监控规则",
        "monitor": "监控规则", "alerts": "质量告警", "severity": "级别", "day": "日期", "report_link": "质量评估报告（JSON）",
        "dag": "DAG", "run": "运行", "state": "状态", "kind": "类型", "interval": "数据区间", "started": "开始", "ended": "结束",
        "task": "任务", "attempt": "尝试次数", "output": "日志", "trigger": "手动触发", "rerun": "重新运行", "runs": "最近运行",
        "reason": "原因", "position": "位置", "field": "字段", "detail": "说明", "raw": "原始字节", "show_raw": "查看原始字节",
        "raw_audited": "原始字节仅对运维人员开放，每次查看均记入审计日志。",
        "stage": "环节", "what": "内容", "last_commit": "最近提交", "watermark": "水位", "lag": "延迟（秒）",
        "language": "English", "language_link": "?lang=en",
        "queued": "已加入队列", "csrf_failed": "表单已过期，请刷新后重试。",
    ]

    static let en: [String: String] = [
        "app": "Education data hub · data services console",
        "overview": "Overview", "quality": "Data quality", "dags": "DAG runs", "quarantine": "Quarantine", "freshness": "Freshness",
        "logout": "Log out", "login": "Log in", "token": "Access token", "login_hint": "Enter the token printed by hubctl api client create.",
        "login_failed": "The token is unknown, revoked or expired.",
        "client": "Signed in as", "level": "Level", "region": "Region", "code": "Code", "name": "Name",
        "enrollment": "Enrolled students", "teachers": "Active teachers", "attendance_rate": "Attendance rate", "latest_day": "Latest day",
        "by_grade_gender": "Enrolled students by grade and gender", "grade": "Grade", "male": "Male", "female": "Female",
        "unspecified": "Unspecified", "total": "Total", "children_city": "Cities", "children_county": "Counties",
        "children_school": "Schools", "attendance_trend": "Attendance rate (last 30 days)", "drill": "Drill down",
        "suppressed": "suppressed", "suppression_note": "Counts below k are hidden by small-cell suppression (k = %k%), with complementary suppression.",
        "exact_note": "Operators see exact figures.",
        "province": "Province", "city": "City", "county": "County", "school": "School", "operator": "Operator",
        "no_data": "No data visible.", "forbidden": "You may not open this page.",
        "scores": "Score per dimension", "dimension": "Dimension", "score": "Score", "checked": "Checked", "failed": "Failed",
        "quality_trend": "Quality score trend", "worst_schools": "Lowest-scoring schools", "failing_monitors": "Failing monitors",
        "monitor": "Monitor", "alerts": "Quality alerts", "severity": "Severity", "day": "Day", "report_link": "Quality evaluation report (JSON)",
        "dag": "DAG", "run": "Run", "state": "State", "kind": "Kind", "interval": "Data interval", "started": "Started", "ended": "Ended",
        "task": "Task", "attempt": "Attempt", "output": "Log", "trigger": "Trigger", "rerun": "Re-run", "runs": "Recent runs",
        "reason": "Reason", "position": "Position", "field": "Field", "detail": "Detail", "raw": "Raw bytes", "show_raw": "Show raw bytes",
        "raw_audited": "Raw bytes are for operators only; every view is recorded in the audit.",
        "stage": "Stage", "what": "What", "last_commit": "Last commit", "watermark": "Watermark", "lag": "Lag (s)",
        "language": "中文", "language_link": "?lang=zh-CN",
        "queued": "Queued", "csrf_failed": "The form has expired; reload and try again.",
    ]

    /// Grade code → label.
    static func grade(_ code: Int, _ lang: ConsoleLanguage) -> String {
        let zh = [11: "一年级", 12: "二年级", 13: "三年级", 14: "四年级", 15: "五年级", 16: "六年级",
                  21: "初一", 22: "初二", 23: "初三", 31: "高一", 32: "高二", 33: "高三"]
        let en = [11: "Primary 1", 12: "Primary 2", 13: "Primary 3", 14: "Primary 4", 15: "Primary 5", 16: "Primary 6",
                  21: "Junior 1", 22: "Junior 2", 23: "Junior 3", 31: "Senior 1", 32: "Senior 2", 33: "Senior 3"]
        return (lang == .zh ? zh[code] : en[code]) ?? String(code)
    }
}
