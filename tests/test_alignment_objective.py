"""The alignment objective's parts, against hand computations and against
the model's own full forward pass."""

import math

import pytest
import torch

from xtransfer_bench.trainers import alignment


def test_info_nce_equals_the_hand_computed_value():
    source = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    target = torch.tensor([[3.0, 0.0], [1.0, 1.0]])
    # cosines: s0.t0 = 1, s0.t1 = 1/sqrt2, s1.t0 = 0, s1.t1 = 1/sqrt2; tau = 0.5
    c = 1 / math.sqrt(2)
    row0 = -math.log(math.exp(1 / 0.5) / (math.exp(1 / 0.5) + math.exp(c / 0.5)))
    row1 = -math.log(math.exp(c / 0.5) / (math.exp(0.0) + math.exp(c / 0.5)))
    assert alignment.info_nce(source, target, 0.5).item() == pytest.approx((row0 + row1) / 2, rel=1e-6)


def test_early_exit_pooling_equals_the_full_forward_pass(tiny_model):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    ids = torch.tensor([[5, 6, 7, 8, 0], [9, 10, 11, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]])
    with torch.no_grad():
        hidden = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[1]
        early = alignment.pooled_states(model, ids, mask, layer=1)
    want = torch.stack([hidden[0, :4].mean(0), hidden[1, :3].mean(0)])  # real tokens only
    torch.testing.assert_close(early, want, rtol=1e-5, atol=1e-6)


def test_pooling_can_leave_out_each_rows_first_token(tiny_model):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    ids = torch.tensor([[5, 6, 7, 8], [0, 0, 9, 10]])  # row 2 left-padded: its first real token is at 2
    mask = torch.tensor([[1, 1, 1, 1], [0, 0, 1, 1]])
    with torch.no_grad():
        hidden = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[1]
        pooled = alignment.pooled_states(model, ids, mask, layer=1, skip_first_token=True)
    want = torch.stack([hidden[0, 1:].mean(0), hidden[1, 3]])
    torch.testing.assert_close(pooled, want, rtol=1e-5, atol=1e-6)


def test_early_exit_skips_the_upper_layers(tiny_model):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    calls = []
    top = alignment.decoder_layers(model)[-1].register_forward_hook(lambda *_: calls.append(1))
    alignment.pooled_states(model, torch.tensor([[5, 6]]), torch.ones(1, 2, dtype=torch.long), layer=1)
    assert calls == []
    alignment.pooled_states(model, torch.tensor([[5, 6]]), torch.ones(1, 2, dtype=torch.long), layer=2)
    top.remove()


@pytest.mark.parametrize("layer, want", [("middle", 16), ("bottom", 8), ("top", 32), (12, 12), ("20", 20)])
def test_layer_positions_follow_the_paper(layer, want):
    assert alignment.resolve_layer(layer, 32) == want  # table 3: layers 8, 16, 32 of Llama 3


@pytest.mark.parametrize("layer", [0, 33, -1, "centre"])
def test_layer_out_of_range_is_refused(layer):
    with pytest.raises(ValueError, match="align_layer"):
        alignment.resolve_layer(layer, 32)


def test_languages_are_resampled_uniformly():
    pairs = {"cy": [("a", "b")] * 3, "es": [("c", "d")] * 300}  # 1:100 imbalance
    stream = alignment.uniform_stream(pairs, seed=0)
    draws = [next(stream) for _ in range(4000)]
    share = sum(p == ("a", "b") for p in draws) / len(draws)
    assert 0.45 < share < 0.55


def test_dev_split_needs_enough_pairs():
    from xtransfer_bench.data.parallel import ParallelDataError

    with pytest.raises(ParallelDataError, match="at least 33"):
        alignment.split_dev({"jv": [("a", "b")] * 10}, 32, seed=0)
