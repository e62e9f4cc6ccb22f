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


def _by_id(endpoint: str):
    """``id -> url_for(endpoint, opportunity_id=id)`` from one build of the URL: a board links each of its
    ~140 cards twice, and building each link through the URL map was a tenth of the page's time."""
    head, _placeholder, tail = url_for(endpoint, opportunity_id=_PLACEHOLDER).partition(str(_PLACEHOLDER))
    return lambda id_: f"{head}{id_}{tail}"


_PLACEHOLDER = 2_147_483_647


def _card_context() -> dict:
    """What every card needs, computed once per page (no query per card). A card's moves depend on its
    status, stage and assignee only: the board's cards share a few dozen such lists at most."""
    stages, choices = flow.stages(), {}

    def card_moves(card) -> list[tuple[str, str]]:
        key = (card.status, card.stage_id, card.assignee_id)
        if key not in choices:
            choices[key] = move_choices(card, stages)
        return choices[key]

    back = request.full_path if request.endpoint == "marketing.pipeline" else url_for("marketing.pipeline")
    return {"move_choices": card_moves, "more_url": _more_url, "list_url": _list_url, "names": user_names(),
            "detail_url": _by_id("marketing.opportunity_detail"), "move_url": _by_id("marketing.opportunity_move"),
            "back": back}


@blueprint.route("/pipeline")
@require_permission("marketing.opportunity.view")
def pipeline():
    form, base = _filters()
    columns, forecast = numbers.board(base)
    return render_template("marketing/pipeline.html", form=form, columns=columns, forecast=forecast,
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
    shown, more = numbers.cards(base, clause, after=id_or_none(request.args.get("after")),
                                in_order=numbers.in_id_order(key))
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
