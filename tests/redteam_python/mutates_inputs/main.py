import torch


def run(hidden_states, weight, output):
    x = hidden_states.float()
    y = x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + 1e-6) * weight.float()
    hidden_states.copy_(y.to(hidden_states.dtype))  # scribbles over the input
    output.copy_(hidden_states)
