import torch


def run(hidden_states, weight):
    x = hidden_states.float()
    y = (x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + 1e-6) * weight.float()).to(hidden_states.dtype)
    return y[:-1]  # one row short
