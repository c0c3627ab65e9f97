from tests.conftest import make_chat, make_user


def test_agent_logs_a_task_and_board_socket_gets_it(app, client, auth, socket_client):
    agent = make_user(app, "alice")
    chat = make_chat(app)
    auth.login("alice")
    watcher_client = app.test_client()
    make_user(app, "vera", role="viewer")
    from tests.conftest import Auth

    watcher = Auth(watcher_client)
    watcher.login("vera")
    board = socket_client(watcher_client, view="board")
    assert board.is_connected()
    board.get_received()
    response = auth.api("POST", "/api/tasks", {"title": "VPN down", "chat_id": chat.id})
    assert response.status_code == 201, response.get_json()
    received = board.get_received()
    events = [item["args"][0] for item in received if item["name"] == "event"]
    assert events[0]["kind"] == "task.created"
    assert events[0]["task"]["agent"]["id"] == agent.id
