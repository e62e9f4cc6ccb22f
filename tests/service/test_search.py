"""Service requests in the top bar's search and the summary filter: by summary at any length (from the
index) or by number, within the user's data scope."""
import pytest


@pytest.fixture
def requests(login_as, add_customer, add_request):
    director, manager, other = login_as("sales_director"), login_as("account_manager"), login_as("account_manager")
    mine = add_request(add_customer(manager_id=manager.user_id, name="杭州新星电子有限公司"),
                       summary="打印机无法连接网络")
    theirs = add_request(add_customer(manager_id=other.user_id, name="上海远景贸易有限公司"),
                         summary="打印机卡纸")
    return dict(director=director, manager=manager, other=other, mine=mine, theirs=theirs)


@pytest.mark.parametrize("term", ["打", "打印", "打印机", "连接网络", "PRINTER"])
def test_requests_are_found_by_summary_within_scope(requests, term, app, add_customer, add_request):
    if term == "PRINTER":
        add_request(add_customer(manager_id=requests["manager"].user_id, name="英文客户"), summary="Printer jam")
    page = requests["manager"].get("/search", query_string={"q": term}).get_data(as_text=True)
    assert "Service requests" in page
    assert f"/service/{requests['theirs']}\"" not in page           # another manager's customer
    if term != "PRINTER":
        assert f"/service/{requests['mine']}\"" in page
    director_page = requests["director"].get("/search", query_string={"q": "打印"}).get_data(as_text=True)
    assert f"/service/{requests['mine']}\"" in director_page and f"/service/{requests['theirs']}\"" in director_page


def test_a_request_is_found_by_its_number(requests):
    page = requests["director"].get("/search", query_string={"q": f"#{requests['theirs']}"}).get_data(as_text=True)
    assert f"/service/{requests['theirs']}\"" in page
    page = requests["manager"].get("/search", query_string={"q": f"#{requests['theirs']}"}).get_data(as_text=True)
    assert f"/service/{requests['theirs']}\"" not in page


def test_the_summary_filter_uses_the_same_index(requests):
    page = requests["director"].get("/service/", query_string={"summary": "卡纸"}).get_data(as_text=True)
    assert "打印机卡纸" in page and "打印机无法连接网络" not in page
    page = requests["director"].get("/service/", query_string={"summary": "%"}).get_data(as_text=True)
    assert "打印机卡纸" not in page
