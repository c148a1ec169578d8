# Shortcuts for the scripts the README names; the scripts work without make.
.PHONY: run test lint format lock

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

# Re-pin requirements.txt from requirements.in in a clean Python 3.12 venv.
lock:
	rm -rf /tmp/laurel-lock && python3.12 -m venv /tmp/laurel-lock
	/tmp/laurel-lock/bin/pip install --quiet -r requirements.in
	{ sed -n '1,3p' requirements.txt; /tmp/laurel-lock/bin/pip freeze; } > requirements.txt.new
	mv requirements.txt.new requirements.txt
