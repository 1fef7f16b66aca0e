import os
import torch


def run(hidden_states, weight, output):
    # The runner's HOME is its scratch; kda's cache is outside it. A candidate that could read it
    # would see other solutions and the store's files. The sandbox must refuse the open.
    target = os.environ.get("KDA_REDTEAM_SECRET", "/tmp/kda-redteam-task-secret.txt")
    with open(target) as f:
        f.read()
    x = hidden_states.float()
    output.copy_((x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + 1e-6) * weight.float()).to(output.dtype))
