// Nothing to do before the drill: the check is the post step (post.mjs).
console.log("will check the simulated Heroku for leftovers after the drill's post step")
