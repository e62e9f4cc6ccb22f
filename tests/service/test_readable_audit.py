"""A service request in the audit log: its label, field labels, priority, status and type by name, a link."""
import re


def test_a_service_request_reads_in_chinese_with_a_link(login_as, add_customer):
    admin = login_as("admin", language="zh_CN")
    manager = login_as("account_manager")
    add_customer(manager_id=manager.user_id)
    assert manager.post("/service/new", data={
        "customer_id": "北京华信科技有限公司", "type": "complaint", "priority": "high",
        "summary": "打印机卡纸", "text": "客户来电"}).status_code == 302
    page = admin.get("/admin/audit?table=service_request").get_data(as_text=True)
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "service_request" not in table and "priority" not in table and "complaint" not in table
    assert "服务请求" in table and "优先级" in table and "投诉" in table and "新建" in table
    assert re.search(r'href="/service/\d+"', table)
