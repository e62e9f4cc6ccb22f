"""An opportunity in the audit log: its label, field labels, status and source by name, a link to it."""
import re


def test_an_opportunity_reads_in_chinese_with_a_link(login_as, opportunity_form):
    admin = login_as("admin", language="zh_CN")
    director = login_as("sales_director")
    assert director.post("/marketing/new", data=opportunity_form()).status_code == 302
    page = admin.get("/admin/audit?table=marketing_opportunity").get_data(as_text=True)
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "marketing_opportunity" not in table and "customer_name" not in table and "unassigned" not in table
    assert "销售机会" in table and "客户名称" in table and "未指派" in table and "展会" in table
    assert re.search(r'href="/marketing/\d+"', table)
