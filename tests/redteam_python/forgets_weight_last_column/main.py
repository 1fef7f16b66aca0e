import torch


def run(hidden_states, weight, output):
    x = hidden_states.float()
    y = x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + 1e-6)
    w = weight.float().clone()
    w[-1] = 1.0  # the bug: one element of the weight ignored
    output.copy_((y * w).to(output.dtype))
