// The moderator's page: task timers and keyboard shortcuts. Without JavaScript every form
// still works; this only makes logging quicker.
(function () {
  "use strict";
  const grid = document.querySelector("[data-session-id]");
  if (!grid) return;
  const sessionId = grid.dataset.sessionId;
  const tasks = Array.from(document.querySelectorAll(".task[data-task-id]"));
  const form = document.getElementById("observation-form");
  const note = document.getElementById("obs-note");
  const taskSelect = document.querySelector("[data-task-select]");
  const timers = {};

  // Timers survive the page reloads that every saved observation causes.
  function storageKey(taskId) {
    return "workbench.timer." + sessionId + "." + taskId;
  }
  function load(taskId) {
    try {
      return JSON.parse(sessionStorage.getItem(storageKey(taskId)) || "null");
    } catch (error) {
      return null;
    }
  }
  function save(taskId, state) {
    try {
      if (state) sessionStorage.setItem(storageKey(taskId), JSON.stringify(state));
      else sessionStorage.removeItem(storageKey(taskId));
    } catch (error) {
      /* private mode: the timer simply does not survive a reload */
    }
  }

  function setupTimer(task) {
    const taskId = task.dataset.taskId;
    const button = task.querySelector("[data-timer]");
    const input = task.querySelector(".task-seconds");
    if (!button || !input) return;
    button.hidden = false;
    let state = load(taskId); // {startedAt, base} while running
    let tick = null;
    function show() {
      const running = Boolean(state);
      button.textContent = running ? "Stop timer" : "Start timer";
      button.setAttribute("aria-pressed", running ? "true" : "false");
      task.classList.toggle("timing", running);
      if (running) {
        input.value = state.base + Math.floor((Date.now() - state.startedAt) / 1000);
      }
    }
    function toggle() {
      if (state) {
        show();
        state = null;
        clearInterval(tick);
      } else {
        state = { startedAt: Date.now(), base: parseInt(input.value, 10) || 0 };
        tick = setInterval(show, 1000);
      }
      save(taskId, state);
      show();
    }
    button.addEventListener("click", toggle);
    task.querySelector("form").addEventListener("submit", function () {
      if (state) show(); // the latest second goes with the outcome
      save(taskId, null);
    });
    if (state) tick = setInterval(show, 1000);
    show();
    timers[taskId] = toggle;
  }
  tasks.forEach(setupTimer);

  function currentIndex() {
    const index = tasks.findIndex((task) => task.classList.contains("current"));
    return index < 0 ? 0 : index;
  }
  function moveTo(index) {
    if (!tasks.length) return;
    index = Math.max(0, Math.min(tasks.length - 1, index));
    tasks.forEach((task, i) => {
      task.classList.toggle("current", i === index);
      if (i === index) task.setAttribute("aria-current", "step");
      else task.removeAttribute("aria-current");
    });
    const task = tasks[index];
    if (taskSelect) taskSelect.value = task.dataset.taskId;
    task.querySelector("h3").focus();
    task.scrollIntoView({ block: "nearest" });
  }

  function isTyping(target) {
    return (
      target.isContentEditable ||
      ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)
    );
  }

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (form && (event.ctrlKey || event.metaKey) && event.key === "Enter" && form.contains(target)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (form && event.altKey && !event.ctrlKey && !event.metaKey && /^Digit[0-4]$/.test(event.code)) {
      const radio = form.querySelector('input[name="severity"][value="' + event.code.slice(5) + '"]');
      if (radio) {
        event.preventDefault();
        radio.checked = true;
      }
      return;
    }
    if (event.key === "Escape" && isTyping(target)) {
      target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(target)) return;
    if (event.key === "n" && note) {
      event.preventDefault();
      note.focus();
    } else if (event.key === "t" && tasks.length) {
      event.preventDefault();
      const toggle = timers[tasks[currentIndex()].dataset.taskId];
      if (toggle) toggle();
    } else if (event.key === "j") {
      event.preventDefault();
      moveTo(currentIndex() + 1);
    } else if (event.key === "k") {
      event.preventDefault();
      moveTo(currentIndex() - 1);
    }
  });

})();
