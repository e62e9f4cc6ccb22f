"""The pipeline kanban (销售漏斗): columns with SQL totals, more cards on demand, the forecast."""
from __future__ import annotations

from flask import abort, jsonify, render_template, request, url_for

from core.api import _, db, id_or_none, query_args, require_permission, user_choices, user_names

from plugins.basedata import services as basedata
from plugins.marketing import flow, pipeline as numbers
from plugins.marketing.forms import PipelineFilter
from plugins.marketing.views import blueprint
from plugins.marketing.views.workflow import move_choices


def _filters():
    form = PipelineFilter(request.args)
    form.assignee.choices = [("", _("Any"))] + user_choices(flow.DEVELOP)
    form.source.choices = [("", _("Any"))] + basedata.choices(basedata.OPPORTUNITY_SOURCE)
    if not form.validate():
        return form, numbers.board_query().where(False)
    return form, numbers.board_query(id_or_none(form.assignee.data), form.source.data or None, form.month.data or None)


FILTERS = ("assignee", "source", "month")


def _more_url(column) -> str:
    """The next cards of ``column`` under the same filters (read by the script)."""
    args = {key: value for key, value in request.args.items() if key in FILTERS}
    return url_for(".pipeline_cards", column=column.key, after=column.cards[-1].id, **args)


def _list_url(column) -> str:
    """The whole column as a list page: where "load more" leads without JavaScript."""
    args = {key: value for key, value in request.args.items() if key in ("assignee", "source")}
    if column.key.startswith("stage-"):
        args.update(status="developing", stage=column.key.removeprefix("stage-"))
    else:
        args["status"] = column.key
    return url_for(".opportunity_list", **args)


def _card_context() -> dict:
    """What every card needs, computed once per page (no query per card)."""
    return {"stages": flow.stages(), "move_choices": move_choices, "more_url": _more_url, "list_url": _list_url,
            "names": user_names()}


@blueprint.route("/pipeline")
@require_permission("marketing.opportunity.view")
def pipeline():
    form, base = _filters()
    columns = numbers.board(base)
    return render_template("marketing/pipeline.html", form=form, columns=columns, forecast=numbers.forecast(base),
                           totals_url=url_for(".pipeline_totals", **query_args()), **_card_context())


@blueprint.route("/pipeline/cards")
@require_permission("marketing.opportunity.view")
def pipeline_cards():
    """The next cards of one column (the "load more" button), as an HTML fragment."""
    form, base = _filters()
    key = request.args.get("column", "")
    clause = numbers.column_clause(key)
    if clause is None:
        abort(404)
    shown, more = numbers.cards(base, clause, after=id_or_none(request.args.get("after")))
    column = numbers.Column(key, "", cards=shown, more=more)
    return render_template("marketing/_cards.html", column=column, **_card_context())


@blueprint.route("/pipeline/totals.json")
@require_permission("marketing.opportunity.view")
def pipeline_totals():
    """Every column's count, total and weighted amount (refreshed by the script after a move)."""
    _form, base = _filters()
    return jsonify(numbers.all_totals(base))


def render_card(opportunity) -> str:
    """One card as the board shows it (the script puts it in its new column after a move)."""
    column = numbers.Column("", "", cards=[opportunity])
    return render_template("marketing/_cards.html", column=column, **_card_context())
