import time


def run(hidden_states, weight, output):
    time.sleep(3600)
