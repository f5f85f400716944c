"""The anchor of bench/worker_memory.py: a worker process of the Temporal SDK alone (its
defaults: the sandbox, 1,000 workflows cached) running one workflow type that only sleeps.

    python -c "import parked_sleeper; parked_sleeper.main()" ADDRESS TASK_QUEUE

(with bench/ on PYTHONPATH: the sandbox imports a workflow's module by its name, which a script
run as `__main__` has not). It prints "worker running" once it polls, and stops on SIGTERM.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

PARKED = timedelta(days=30)


@workflow.defn
class ParkedSleeper:
    """Sleeps 30 days: a workflow parked on its timer, and nothing else."""

    @workflow.run
    async def run(self) -> None:
        await workflow.sleep(PARKED)


def main() -> None:
    # Imported here, not at the top: the sandbox re-imports this module for every workflow.
    import asyncio
    import signal
    import sys

    from temporalio.client import Client
    from temporalio.worker import Worker

    address, queue = sys.argv[1:3]

    async def serve() -> None:
        client = await Client.connect(address)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        async with Worker(client, task_queue=queue, workflows=[ParkedSleeper]):
            print(f"worker running: polling task queue {queue} on {address}", flush=True)
            await stop.wait()

    asyncio.run(serve())
