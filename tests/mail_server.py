"""A real SMTP server in the test process (aiosmtpd on a free local port): it keeps what it
accepts in the dev sink's folder, answers a refusal on cue, or is down (stopped) for a while."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from adapters.mail_sink import SinkHandler, sink_messages
from adapters.smtp_mail_server import SmtpMailServer, SmtpServer
from starter.ports import free_port

SENDER = "Centre d'assistance SAGIR <assistance@sagir-desk.local>"


class ScriptedHandler(SinkHandler):
    """The sink, except: an address in `refused` is refused at RCPT with its answer, and each
    answer in `data_answers` is given to one DATA in turn (a 250 keeps the message)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.refused: dict[str, str] = {}
        self.data_answers: list[str] = []

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_answers:
            answer = self.data_answers.pop(0)
            if not answer.startswith("250"):
                return answer
        return await super().handle_DATA(server, session, envelope)


class TestSmtp:
    """The server on one port, which can be stopped (down) and started again on that port."""

    __test__ = False  # not a test class

    def __init__(self, folder: Path) -> None:
        self.handler = ScriptedHandler(folder)
        self.port = free_port()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def folder(self) -> Path:
        return self.handler.folder

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def mail_server(self) -> SmtpMailServer:
        return SmtpMailServer(SmtpServer.from_url(self.url), SENDER, timeout=5)

    def kept(self) -> list[Any]:
        return sink_messages(self.folder)
