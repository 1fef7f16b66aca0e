def run(hidden_states, weight, output):
    output.fill_(float("nan"))
