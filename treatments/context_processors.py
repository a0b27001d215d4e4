from treatments.prices import consultation_fee


def fee(request):
    """`consultation_fee` for every template: the function, which templates call only
    where they show the fee; its result is cached."""
    return {"consultation_fee": consultation_fee}
