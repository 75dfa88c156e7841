"""Length-sorted batches under a token budget, for every stage that generates (translate, infer)."""


def token_batches(lengths: list[int], batch_tokens: int) -> list[list[int]]:
    """Indices sorted by length, longest first, cut so that padded length x rows stays within budget.

    Longest first: each batch's first item sets its padded length, and OOM shows on the first batch.
    An item longer than the budget alone still has to be processed, so it goes in a batch by itself.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for index in order:
        if batches and lengths[batches[-1][0]] * (len(batches[-1]) + 1) <= batch_tokens:
            batches[-1].append(index)
        else:
            batches.append([index])
    return batches
