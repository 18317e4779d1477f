"""URLs of the contract (docs/contract.md section 3) that several modules link to."""

DASHBOARD_PATH = "/admin/chat-analytics/"
EXPORT_PATH = DASHBOARD_PATH + "export/{kind}/"
TOPICS_PATH = DASHBOARD_PATH + "topics/"
TOPICS_API_PATH = DASHBOARD_PATH + "api/topics/"
ALERTS_PATH = DASHBOARD_PATH + "alerts/"
ALERTS_API_PATH = DASHBOARD_PATH + "api/alerts/"
