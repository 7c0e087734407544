"""CL-ICP (S): the hooks move the target tokens' states by exactly the
difference of span means at L_to, and back at L_back; nothing else moves."""

import pytest
import torch

from xtransfer_bench.model_layers import decoder_layers
from xtransfer_bench.shift import RepresentationShift


def capture(layer_module, store, key):
    """A hook registered before the shift's own: sees the unshifted output."""
    def hook(_module, _inputs, output):
        store[key] = (output[0] if isinstance(output, tuple) else output).detach().clone()
    return layer_module.register_forward_hook(hook)


def test_shift_moves_target_tokens_by_the_span_mean_difference(tiny_model):
    from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_model)
    config = LlamaConfig(**{**base.config.to_dict(), "num_hidden_layers": 3})
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).eval()  # three layers: L_to=1, L_back=2, one above
    layers = decoder_layers(model)
    ids = torch.tensor([[5, 6, 7, 8, 9, 10, 11], [12, 13, 14, 15, 16, 17, 18]])
    demo = torch.tensor([[1, 1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0]])
    target = torch.tensor([[0, 0, 0, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1, 0]])
    raw, seen = {}, {}
    handles = [capture(layers[0], raw, 1), capture(layers[1], raw, 2)]
    shift = RepresentationShift(model, layer_to=1, layer_back=2)
    with torch.no_grad(), shift.attached(), shift.spans(demo, target):
        handles += [layers[0].register_forward_hook(lambda m, i, o: seen.__setitem__(1, (o[0] if isinstance(o, tuple) else o).clone())),
                    layers[1].register_forward_hook(lambda m, i, o: seen.__setitem__(2, (o[0] if isinstance(o, tuple) else o).clone()))]
        shifted_logits = model(input_ids=ids).logits
    for handle in handles:
        handle.remove()

    for layer, sign in ((1, 1.0), (2, -1.0)):
        h = raw[layer]
        for row in range(2):
            d = h[row][demo[row].bool()].mean(0)
            t = h[row][target[row].bool()].mean(0)
            want = h[row].clone()
            want[target[row].bool()] += sign * (d - t)  # L_to: towards the demos; L_back: back
            torch.testing.assert_close(seen[layer][row], want, rtol=1e-6, atol=1e-6)
            unchanged = ~target[row].bool()
            assert torch.equal(seen[layer][row][unchanged], h[row][unchanged])
    with torch.no_grad():
        plain_logits = model(input_ids=ids).logits
    assert not torch.allclose(plain_logits, shifted_logits)  # the shift matters; detached, nothing remains
    with torch.no_grad():
        assert torch.equal(model(input_ids=ids).logits, plain_logits)


def test_without_spans_or_on_decoding_steps_nothing_moves(tiny_model):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    ids = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad():
        plain = model(input_ids=ids).logits
        shift = RepresentationShift(model, 1, 2)
        with shift.attached():
            assert torch.equal(model(input_ids=ids).logits, plain)
            with shift.spans(torch.tensor([[1, 1, 0, 0]]), torch.tensor([[0, 0, 1, 1]])):
                out = model(input_ids=ids, use_cache=True)
                step = model(input_ids=torch.tensor([[9]]), past_key_values=out.past_key_values)
    assert not torch.equal(out.logits, plain)
    assert step.logits.shape[1] == 1  # the one-token step ran unshifted, without error


def test_bad_layers_and_spans_are_refused(tiny_model):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    with pytest.raises(ValueError, match="L_to < L_back"):
        RepresentationShift(model, 2, 1)
    with pytest.raises(ValueError, match="L_to < L_back"):
        RepresentationShift(model, 1, 3)
    shift = RepresentationShift(model, 1, 2)
    with pytest.raises(ValueError, match="both demonstration and target"):
        with shift.spans(torch.tensor([[1, 1]]), torch.tensor([[0, 1]])):
            pass
